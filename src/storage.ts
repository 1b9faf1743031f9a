import { classifyNetworkFailure, classifyResponse, isSuccess, type Failure } from './errors.js'
import { NetworkFailure, type GraphClient, type HttpExchange } from './graph.js'
import type { DataLocalizationRegion } from './inputs.js'
import { withRetries, type AttemptResult, type RetryEnvironment } from './retry.js'
import { asObject, parseJson } from './json.js'
import { neutralize } from './server-text.js'

/** The first Graph version whose register body no longer carries the region (Meta deprecated it). */
export const SETTINGS_API_FROM_MAJOR = 21

/** A number's local storage, as its settings describe it. */
export interface Storage {
  /** `in_country_storage_enabled` or `default`, lower case (Meta writes either case). */
  status: string
  /** The region, when in-country storage is on. */
  region?: string
}

export type StorageRead = { ok: true; storage: Storage } | { ok: false; failure: Failure }
export type StorageWrite = { ok: true } | { ok: false; failure: Failure }

/** From v21.0 the region is set through the number's settings, not the register body. */
export function usesSettingsApi(apiVersion: string): boolean {
  const major = /^v([0-9]+)\./.exec(apiVersion)?.[1]
  return major !== undefined && Number(major) >= SETTINGS_API_FROM_MAJOR
}

/** In-country storage in exactly `region`. */
export function storesIn(storage: Storage | undefined, region: DataLocalizationRegion): boolean {
  return storage?.status === 'in_country_storage_enabled' && storage.region === region
}

/** The region code when in-country storage is on, else undefined (default storage). */
export function storageRegion(storage: Storage | undefined): string | undefined {
  return storage?.status === 'in_country_storage_enabled' ? storage.region : undefined
}

/** For a person: `in-country (DE)` or `default`. */
export function describeStorage(storage: Storage | undefined): string {
  if (storage === undefined) return 'unknown'
  if (storage.status === 'in_country_storage_enabled')
    return `in-country (${storage.region ?? '?'})`
  return storage.status === 'default' ? 'default' : storage.status
}

/** The storage in a settings body, or undefined when the body does not describe one. */
export function parseStorage(body: string): Storage | undefined {
  const parsed = parseJson(body)
  const configuration = parsed.ok
    ? asObject(asObject(parsed.value)?.storage_configuration)
    : undefined
  if (configuration === undefined) return undefined
  const { status, data_localization_region: region } = configuration
  if (typeof status !== 'string') return undefined
  return {
    status: neutralize(status).toLowerCase(),
    ...(typeof region === 'string' && region !== '' && { region: neutralize(region).toUpperCase() })
  }
}

/** The settings edge of one number: its storage, read and set. Neither call is scarce. */
export class StorageSettings {
  constructor(
    private readonly graph: GraphClient,
    private readonly phoneNumberId: string,
    private readonly env: RetryEnvironment,
    private readonly maxAttempts: number
  ) {}

  /** `GET /{version}/{id}/settings`, transient failures retried. */
  async read(): Promise<StorageRead> {
    const outcome = await withRetries<Storage>(
      {
        what: 'Settings read',
        maxAttempts: this.maxAttempts,
        attempt: async () => {
          const answer = await this.call(() => this.graph.get(`${this.phoneNumberId}/settings`))
          if (!answer.ok) return answer
          const storage = answer.value.status === 200 ? parseStorage(answer.value.body) : undefined
          return storage
            ? { ok: true, value: storage }
            : { ok: false, failure: classifyResponse(answer.value) }
        }
      },
      this.env
    )
    return outcome.ok
      ? { ok: true, storage: outcome.value }
      : { ok: false, failure: outcome.failure }
  }

  /**
   * Turns in-country storage on in `region`, in the shape of Meta's local-storage guide (the
   * OpenAPI file shows another; graph-api-notes.md). Setting the same value twice is harmless, so
   * an uncertain answer is simply retried.
   */
  async storeIn(region: DataLocalizationRegion): Promise<StorageWrite> {
    const body = {
      storage_configuration: {
        status: 'IN_COUNTRY_STORAGE_ENABLED',
        data_localization_region: region
      }
    }
    const outcome = await withRetries<true>(
      {
        what: 'Settings update',
        maxAttempts: this.maxAttempts,
        attempt: async () => {
          const answer = await this.call(() =>
            this.graph.post(`${this.phoneNumberId}/settings`, body)
          )
          if (!answer.ok) return answer
          return isSuccess(answer.value)
            ? { ok: true, value: true }
            : { ok: false, failure: classifyResponse(answer.value) }
        }
      },
      this.env
    )
    return outcome.ok ? { ok: true } : { ok: false, failure: outcome.failure }
  }

  private async call(send: () => Promise<HttpExchange>): Promise<AttemptResult<HttpExchange>> {
    try {
      return { ok: true, value: await send() }
    } catch (error) {
      if (!(error instanceof NetworkFailure)) throw error
      return { ok: false, failure: classifyNetworkFailure(error) }
    }
  }
}
