import { lookupKnownError } from './error-codes.js'
import { PROXY_TUNNEL_FAILED, type HttpExchange, type NetworkFailure } from './graph.js'

/** A failed request, classified: what happened, whether to retry, and what a person should do. */
export interface Failure {
  /** `graph`: Meta's error JSON; `http`: a response without it; `network`: no response at all. */
  kind: 'graph' | 'http' | 'network'
  /** One line saying what happened, with Meta's own message where there is one (not yet redacted). */
  message: string
  httpStatus?: number
  code?: number
  subcode?: number
  /** Meta's `error_user_title`/`error_user_msg` and `error_data.details`, when given. */
  userMessage?: string
  details?: string
  fbtraceId?: string
  /** Retrying may help. */
  transient: boolean
  /** The request may have been carried out although no success came back: read the number before acting. */
  uncertain: boolean
  /** Never retried whatever else is said, because a retry costs a scarce register call and cannot help. */
  neverRetry: boolean
  /** The server's `Retry-After`, when it is a usable number of milliseconds. */
  retryAfterMs?: number
  /** What the person running the action should do. */
  hint?: string
}

interface GraphErrorBody {
  message?: unknown
  type?: unknown
  code?: unknown
  error_subcode?: unknown
  error_user_title?: unknown
  error_user_msg?: unknown
  error_data?: unknown
  is_transient?: unknown
  fbtrace_id?: unknown
}

/** Meta's error object in a body, if the body is one. */
export function parseGraphError(body: string): GraphErrorBody | undefined {
  let parsed: unknown
  try {
    parsed = JSON.parse(body)
  } catch {
    return undefined
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined
  const error = (parsed as { error?: unknown }).error
  return typeof error === 'object' && error !== null ? error : undefined
}

/** Classifies a response that is not a success. */
export function classifyResponse(exchange: HttpExchange, now: number = Date.now()): Failure {
  const retryAfterMs = parseRetryAfter(header(exchange, 'retry-after'), now)
  const traceHeader = header(exchange, 'x-fb-trace-id')
  const graphError = parseGraphError(exchange.body)
  if (graphError) {
    return {
      ...classifyGraphError(graphError, exchange.status),
      ...(retryAfterMs !== undefined && { retryAfterMs }),
      ...(text(graphError.fbtrace_id) === undefined &&
        traceHeader !== undefined && { fbtraceId: traceHeader })
    }
  }
  const status = exchange.status
  const base = {
    kind: 'http' as const,
    httpStatus: status,
    ...(retryAfterMs !== undefined && { retryAfterMs }),
    ...(traceHeader !== undefined && { fbtraceId: traceHeader })
  }
  const bodyNote = describeBody(exchange)
  if (status >= 300 && status < 400) {
    const location = header(exchange, 'location')
    return {
      ...base,
      message: `HTTP ${status}: a redirect${location ? ` to ${location}` : ''}, not followed (the token goes to graph-api-url only).`,
      transient: false,
      uncertain: false,
      neverRetry: true,
      hint: 'Check graph-api-url: it must point at the Graph API itself.'
    }
  }
  if (status >= 500) {
    return {
      ...base,
      message: `HTTP ${status} without a Graph error (${bodyNote}), probably from a proxy or load balancer.`,
      transient: true,
      uncertain: true,
      neverRetry: false,
      hint: 'A temporary problem between the runner and Meta; run again later.'
    }
  }
  if (status === 429) {
    return {
      ...base,
      message: `HTTP 429 without a Graph error (${bodyNote}).`,
      transient: false,
      uncertain: false,
      neverRetry: true,
      hint: 'Rate limited: wait before running again.'
    }
  }
  if (status >= 200 && status < 300) {
    return {
      ...base,
      message: `HTTP ${status} but not a success (${bodyNote}).`,
      transient: false,
      uncertain: true,
      neverRetry: false,
      hint: "The answer was not Meta's; check graph-api-url and any proxy, and the number's state in WhatsApp Manager."
    }
  }
  return {
    ...base,
    message: `HTTP ${status} without a Graph error (${bodyNote}).`,
    transient: false,
    uncertain: false,
    neverRetry: false,
    hint: 'Check graph-api-url and any proxy between the runner and Meta.'
  }
}

function classifyGraphError(error: GraphErrorBody, status: number): Failure {
  const code = whole(error.code)
  const subcode = whole(error.error_subcode)
  const metaMessage = text(error.message) ?? 'no message'
  const known = lookupKnownError(code, subcode, metaMessage)
  const markedTransient = error.is_transient === true
  const neverRetry = known?.retry === 'never'
  const transient =
    !neverRetry &&
    (known?.retry === 'backoff' || known?.retry === 'read-then-backoff' || markedTransient)
  const userMessage = [text(error.error_user_title), text(error.error_user_msg)]
    .filter(Boolean)
    .join(': ')
  const details = detailsOf(error.error_data)
  const fbtraceId = text(error.fbtrace_id)
  const codeText = [
    code !== undefined && `code ${code}`,
    subcode !== undefined && `subcode ${subcode}`
  ].filter(Boolean)
  return {
    kind: 'graph',
    message: `HTTP ${status}, Graph error${codeText.length > 0 ? ` (${codeText.join(', ')})` : ''}: ${metaMessage}`,
    httpStatus: status,
    ...(code !== undefined && { code }),
    ...(subcode !== undefined && { subcode }),
    ...(userMessage !== '' && { userMessage }),
    ...(details !== undefined && { details }),
    ...(fbtraceId !== undefined && { fbtraceId }),
    transient,
    uncertain: known?.retry === 'read-then-backoff',
    neverRetry,
    ...(known && { hint: known.action })
  }
}

/** Network errors that happen before a request is sent: a retry cannot register twice. */
const NOT_SENT_CODES = new Set([
  PROXY_TUNNEL_FAILED,
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'EADDRNOTAVAIL'
])

/** Classifies a request that got no response. */
export function classifyNetworkFailure(failure: NetworkFailure): Failure {
  if (failure.tls) {
    return {
      kind: 'network',
      message: `TLS failed before the request was sent: ${failure.reason}.`,
      transient: false,
      uncertain: false,
      neverRetry: true,
      hint: 'Check graph-api-url and any TLS-intercepting proxy (NODE_EXTRA_CA_CERTS).'
    }
  }
  if (failure.errorCode !== undefined && NOT_SENT_CODES.has(failure.errorCode)) {
    return {
      kind: 'network',
      message: `Could not connect (${failure.reason}); the request was not sent.`,
      transient: true,
      uncertain: false,
      neverRetry: false,
      hint: "Check graph-api-url, the proxy settings and the runner's network."
    }
  }
  return {
    kind: 'network',
    message: failure.timedOut
      ? `No complete response within ${failure.reason}.`
      : `The connection failed after the request may have been sent (${failure.reason}).`,
    transient: true,
    uncertain: true,
    neverRetry: false,
    hint: failure.timedOut
      ? 'Register can take 15 s; keep timeout-seconds at 30 or more.'
      : "Check the runner's network and any proxy."
  }
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date; garbage and negatives are ignored. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined
  const trimmed = value.trim()
  // Any count of digits: a wait too long to honour must end the retries, not be ignored.
  if (/^[0-9]+$/.test(trimmed)) return Number(trimmed) * 1000
  // Only an IMF-fixdate (RFC 9110): Date.parse also accepts text such as "in 5".
  if (!HTTP_DATE.test(trimmed)) return undefined
  const date = Date.parse(trimmed)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

const HTTP_DATE =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT$/

function header(exchange: HttpExchange, name: string): string | undefined {
  const value = exchange.headers[name]
  return Array.isArray(value) ? value[0] : value
}

function describeBody(exchange: HttpExchange): string {
  if (exchange.body.trim() === '') return 'empty body'
  const type = header(exchange, 'content-type')?.split(';')[0]
  return `${exchange.body.length}${exchange.bodyTruncated ? '+' : ''} characters${type ? ` of ${type}` : ''}`
}

function whole(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value
  if (typeof value === 'string' && /^[0-9]+$/.test(value)) return Number(value)
  return undefined
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined
}

function detailsOf(errorData: unknown): string | undefined {
  if (typeof errorData !== 'object' || errorData === null) return undefined
  return text((errorData as { details?: unknown }).details)
}
