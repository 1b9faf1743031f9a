import { classifyNetworkFailure, classifyResponse, isSuccess, type Failure } from './errors.js'
import { NetworkFailure, type GraphClient, type HttpExchange } from './graph.js'
import { withRetries, type AttemptResult, type RetryEnvironment } from './retry.js'
import { neutralize } from './server-text.js'

/** An app as Graph names it: `GET /app`, or an entry of a WABA's `subscribed_apps`. */
export interface App {
  id: string
  name?: string
}

/** Where a number's message webhooks go, each level only when set (`webhook_configuration`). */
export interface WebhookConfiguration {
  /** The number's own override. */
  phoneNumber?: string
  /** The WABA's override. */
  whatsappBusinessAccount?: string
  /** The app's callback URL. */
  application?: string
}

/** The level a webhook URL was set at, for a person. */
export type WebhookSource = 'number override' | 'WABA override' | 'app callback'

export type Outcome<T> = { ok: true; value: T } | { ok: false; failure: Failure }

/** The URL Meta calls for the number's messages: the most specific level that is set. */
export function effectiveWebhook(
  configuration: WebhookConfiguration
): { url: string; source: WebhookSource } | undefined {
  if (configuration.phoneNumber)
    return { url: configuration.phoneNumber, source: 'number override' }
  if (configuration.whatsappBusinessAccount) {
    return { url: configuration.whatsappBusinessAccount, source: 'WABA override' }
  }
  if (configuration.application) return { url: configuration.application, source: 'app callback' }
  return undefined
}

/** The same URL, whatever Graph did to its letter case or an empty path (`https://A.com` = `https://a.com/`). */
export function sameUrl(a: string, b: string): boolean {
  if (a === b) return true
  if (!URL.canParse(a) || !URL.canParse(b)) return false
  return new URL(a).href === new URL(b).href
}

/** `GET /app`: `{"id":"…","name":"…"}`. */
export function parseApp(body: string): App | undefined {
  const node = parseObject(body)
  const id = node?.id
  if (typeof id !== 'string' && typeof id !== 'number') return undefined
  const text = neutralize(String(id))
  if (!/^[0-9]+$/.test(text)) return undefined
  return { id: text, ...(typeof node?.name === 'string' && { name: neutralize(node.name) }) }
}

/** `GET /{waba-id}/subscribed_apps`: `{"data":[{"whatsapp_business_api_data":{"id","name","link"}}]}`. */
export function parseSubscribedApps(body: string): App[] | undefined {
  const data = parseObject(body)?.data
  if (!Array.isArray(data)) return undefined
  const apps: App[] = []
  for (const entry of data as unknown[]) {
    const app = (entry as { whatsapp_business_api_data?: unknown } | null)
      ?.whatsapp_business_api_data
    if (typeof app !== 'object' || app === null) continue
    const { id, name } = app as Record<string, unknown>
    if (typeof id !== 'string' && typeof id !== 'number') continue
    apps.push({
      id: neutralize(String(id)),
      ...(typeof name === 'string' && { name: neutralize(name) })
    })
  }
  return apps
}

/**
 * `GET /{phone-number-id}?fields=webhook_configuration`: a Graph node; a node without the field
 * has no override at any level.
 */
export function parseWebhookConfiguration(body: string): WebhookConfiguration | undefined {
  const node = parseObject(body)
  if (node === undefined || 'error' in node) return undefined
  const configuration = node.webhook_configuration
  if (typeof configuration !== 'object' || configuration === null) return {}
  const level = (key: string): string | undefined => {
    const value = (configuration as Record<string, unknown>)[key]
    return typeof value === 'string' && value !== '' ? neutralize(value) : undefined
  }
  const levels: WebhookConfiguration = {
    phoneNumber: level('phone_number'),
    whatsappBusinessAccount: level('whatsapp_business_account'),
    application: level('application')
  }
  return Object.fromEntries(Object.entries(levels).filter(([, value]) => value !== undefined))
}

/**
 * The calls that make a number receive messages: the token's app, a WABA's subscribed apps, and
 * the number's webhook override. None is scarce, and doing any of them twice is harmless, so each
 * goes through the retry loop like a read, an uncertain answer simply tried again.
 */
export class WebhookWiring {
  constructor(
    private readonly graph: GraphClient,
    private readonly env: RetryEnvironment,
    private readonly maxAttempts: number
  ) {}

  /** `GET /{version}/app`: the app the access token belongs to. */
  readApp(): Promise<Outcome<App>> {
    return this.retried('App read', () => this.graph.get('app'), read(parseApp))
  }

  /** `GET /{version}/{waba-id}/subscribed_apps`. */
  readSubscribedApps(wabaId: string): Promise<Outcome<App[]>> {
    return this.retried(
      'Subscribed apps read',
      () => this.graph.get(`${wabaId}/subscribed_apps`),
      read(parseSubscribedApps)
    )
  }

  /** `POST /{version}/{waba-id}/subscribed_apps` without a body: subscribes the token's app. */
  subscribe(wabaId: string): Promise<Outcome<true>> {
    return this.retried('Subscribe', () => this.graph.post(`${wabaId}/subscribed_apps`), success)
  }

  /** `GET /{version}/{phone-number-id}?fields=webhook_configuration`. */
  readWebhook(phoneNumberId: string): Promise<Outcome<WebhookConfiguration>> {
    return this.retried(
      'Webhook read',
      () => this.graph.get(phoneNumberId, { fields: 'webhook_configuration' }),
      read(parseWebhookConfiguration)
    )
  }

  /**
   * `POST /{version}/{phone-number-id}` with `webhook_configuration`: Meta calls the URL with a
   * verification challenge while handling it, and fails the call when the answer is wrong.
   */
  setOverride(
    phoneNumberId: string,
    callbackUrl: string,
    verifyToken: string
  ): Promise<Outcome<true>> {
    const body = {
      webhook_configuration: { override_callback_uri: callbackUrl, verify_token: verifyToken }
    }
    return this.retried('Webhook override', () => this.graph.post(phoneNumberId, body), success)
  }

  /** One call through the retry loop: an answer that `accept` turns into a value, or a failure. */
  private async retried<T>(
    what: string,
    send: () => Promise<HttpExchange>,
    accept: (exchange: HttpExchange) => T | undefined
  ): Promise<Outcome<T>> {
    const outcome = await withRetries<T>(
      {
        what,
        maxAttempts: this.maxAttempts,
        attempt: async (): Promise<AttemptResult<T>> => {
          let exchange: HttpExchange
          try {
            exchange = await send()
          } catch (error) {
            if (!(error instanceof NetworkFailure)) throw error
            return { ok: false, failure: classifyNetworkFailure(error) }
          }
          const value = accept(exchange)
          return value === undefined
            ? { ok: false, failure: classifyResponse(exchange) }
            : { ok: true, value }
        }
      },
      this.env
    )
    return outcome.ok ? { ok: true, value: outcome.value } : { ok: false, failure: outcome.failure }
  }
}

/** A read's answer: a 200 whose body `parse` understands. */
function read<T>(
  parse: (body: string) => T | undefined
): (exchange: HttpExchange) => T | undefined {
  return exchange => (exchange.status === 200 ? parse(exchange.body) : undefined)
}

/** A write's answer: `{"success": true}` (or `"true"`), nothing else. */
function success(exchange: HttpExchange): true | undefined {
  return isSuccess(exchange) ? true : undefined
}

function parseObject(body: string): Record<string, unknown> | undefined {
  let parsed: unknown
  try {
    parsed = JSON.parse(body)
  } catch {
    return undefined
  }
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
    ? (parsed as Record<string, unknown>)
    : undefined
}
