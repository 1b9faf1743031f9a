import {
  classifyNetworkFailure,
  classifyResponse,
  parseGraphError,
  type Failure
} from './errors.js'
import { NetworkFailure, type GraphClient, type HttpExchange } from './graph.js'
import { withRetries, type RetryEnvironment } from './retry.js'
import { asObject, parseJson } from './json.js'
import { neutralize } from './server-text.js'

/** The number as Graph describes it; every field may be missing from an answer. */
export interface PhoneNumberState {
  /** The id Graph answered for: a read of another id proves nothing about this number. */
  id?: string
  displayPhoneNumber?: string
  verifiedName?: string
  /** `CLOUD_API`, `ON_PREMISE` or `NOT_APPLICABLE`. */
  platformType?: string
  /** `CONNECTED`, `PENDING`, `DISCONNECTED`, `MIGRATED`, … */
  status?: string
  codeVerificationStatus?: string
  /** Display-name review state; `PENDING_REVIEW` makes a register call risky. */
  nameStatus?: string
  qualityRating?: string
  /** Also used in the WhatsApp Business app (coexistence): /register does not apply. */
  isOnBizApp?: boolean
  throughputLevel?: string
}

/** Fields every supported Graph version knows. */
export const CORE_FIELDS = [
  'display_phone_number',
  'verified_name',
  'platform_type',
  'status',
  'code_verification_status',
  'name_status',
  'quality_rating'
] as const
/** Fields worth having that an older version may reject as nonexisting. */
export const EXTRA_FIELDS = ['is_on_biz_app', 'throughput'] as const

export type ReadOutcome =
  { ok: true; state: PhoneNumberState; exchange: HttpExchange } | { ok: false; failure: Failure }

/** A number on CLOUD_API and CONNECTED is registered: calling register again only spends budget. */
export function isRegistered(state: PhoneNumberState | undefined): boolean {
  return state?.platformType === 'CLOUD_API' && state.status === 'CONNECTED'
}

/**
 * Reads one number's state for a run. When Graph rejects one of the extra fields as nonexisting,
 * it reads again with the core fields only, and keeps to those for the rest of the run.
 */
export class PhoneNumberReader {
  private fields: readonly string[] = [...CORE_FIELDS, ...EXTRA_FIELDS]

  constructor(
    private readonly graph: GraphClient,
    readonly phoneNumberId: string
  ) {}

  /** Reads the number once (twice when an extra field is rejected). */
  async read(): Promise<ReadOutcome> {
    const read = await this.readFields(this.fields)
    if (read.ok) return read
    if (this.fields.length === CORE_FIELDS.length || !rejectsAField(read)) {
      return { ok: false, failure: read.failure }
    }
    this.fields = CORE_FIELDS
    return this.readFields(CORE_FIELDS)
  }

  /** Reads the number, retrying transient failures (a read changes nothing, so retries are safe). */
  async readWithRetries(maxAttempts: number, env: RetryEnvironment): Promise<ReadOutcome> {
    const outcome = await withRetries<ReadOutcome & { ok: true }>(
      {
        what: 'Read',
        maxAttempts,
        attempt: async () => {
          const read = await this.read()
          return read.ok ? { ok: true, value: read } : read
        }
      },
      env
    )
    return outcome.ok ? outcome.value : { ok: false, failure: outcome.failure }
  }

  private async readFields(fields: readonly string[]): Promise<FieldsRead> {
    let exchange: HttpExchange
    try {
      exchange = await this.graph.get(this.phoneNumberId, { fields: fields.join(',') })
    } catch (error) {
      if (error instanceof NetworkFailure)
        return { ok: false, failure: classifyNetworkFailure(error) }
      throw error
    }
    const state = exchange.status === 200 ? parsePhoneNumber(exchange.body) : undefined
    if (state) return { ok: true, state, exchange }
    return { ok: false, failure: classifyResponse(exchange), body: exchange.body }
  }
}

type FieldsRead = ReadOutcome & { body?: string }

function rejectsAField(read: FieldsRead): boolean {
  const error = read.body === undefined ? undefined : parseGraphError(read.body)
  return (
    error !== undefined &&
    read.ok === false &&
    read.failure.code === 100 &&
    typeof error.message === 'string' &&
    error.message.includes('nonexisting field')
  )
}

/** The state in a read's body, or undefined when the body is not a Graph node. */
export function parsePhoneNumber(body: string): PhoneNumberState | undefined {
  const parsed = parseJson(body)
  const record = parsed.ok ? asObject(parsed.value) : undefined
  if (record === undefined || 'error' in record) return undefined
  // Names and numbers are free text from the server: kept as inert single lines.
  const str = (key: string): string | undefined =>
    typeof record[key] === 'string' ? neutralize(record[key]) : undefined
  const throughput = record.throughput as { level?: unknown } | undefined
  const state: PhoneNumberState = {
    id: str('id'),
    displayPhoneNumber: str('display_phone_number'),
    verifiedName: str('verified_name'),
    platformType: str('platform_type'),
    status: str('status'),
    codeVerificationStatus: str('code_verification_status'),
    nameStatus: str('name_status'),
    qualityRating: str('quality_rating'),
    isOnBizApp: typeof record.is_on_biz_app === 'boolean' ? record.is_on_biz_app : undefined,
    throughputLevel:
      typeof throughput?.level === 'string' ? neutralize(throughput.level) : undefined
  }
  return Object.fromEntries(Object.entries(state).filter(([, value]) => value !== undefined))
}
