import { lookupKnownError, type KnownError } from './error-codes.js'
import { PROXY_TUNNEL_FAILED, type HttpExchange, type NetworkFailure } from './graph.js'
import { asObject, parseJson } from './json.js'
import { neutralize } from './server-text.js'

/**
 * What a failed call allows:
 * - `retry`: nothing happened that a retry could repeat; try again after a wait;
 * - `settle`: the call may have been carried out: read the state until it settles, and retry only
 *   once a read shows that it did not happen;
 * - `stop`: a retry cannot help (and, for register or deregister, spends a scarce call).
 */
export type Next = 'retry' | 'settle' | 'stop'

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
  /** What the failure allows next; the one place a retry is decided from. */
  next: Next
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
  const parsed = parseJson(body)
  const error = parsed.ok ? asObject(parsed.value)?.error : undefined
  return typeof error === 'object' && error !== null ? error : undefined
}

/** `{"success": true}` and `{"success": "true"}` are both what Meta sends for success. */
export function isSuccess(exchange: HttpExchange): boolean {
  if (exchange.status < 200 || exchange.status >= 300) return false
  try {
    const body = JSON.parse(exchange.body) as { success?: unknown } | null
    return body?.success === true || body?.success === 'true'
  } catch {
    return false
  }
}

/** Classifies a response that is not a success. */
export function classifyResponse(exchange: HttpExchange, now: number = Date.now()): Failure {
  const retryAfterMs = parseRetryAfter(header(exchange, 'retry-after'), now)
  const traceHeader = header(exchange, 'x-fb-trace-id')
  const graphError = parseGraphError(exchange.body)
  if (graphError) {
    return {
      ...classifyGraphError(graphError, exchange.status, retryAfterMs),
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
      next: 'stop',
      hint: 'Check graph-api-url: it must point at the Graph API itself.'
    }
  }
  if (status >= 500) {
    return {
      ...base,
      message: `HTTP ${status} without a Graph error (${bodyNote}), probably from a proxy or load balancer.`,
      next: 'settle',
      hint: 'A temporary problem between the runner and Meta; run again later.'
    }
  }
  if (status === 429) {
    return {
      ...base,
      message: `HTTP 429 without a Graph error (${bodyNote}).`,
      next: 'stop',
      hint: 'Rate limited: wait before running again.'
    }
  }
  if (status >= 200 && status < 300) {
    return {
      ...base,
      message: `HTTP ${status} but not a success (${bodyNote}).`,
      next: 'settle',
      hint: "The answer was not Meta's; check graph-api-url and any proxy, and the number's state in WhatsApp Manager."
    }
  }
  return {
    ...base,
    message: `HTTP ${status} without a Graph error (${bodyNote}).`,
    next: 'stop',
    hint: 'Check graph-api-url and any proxy between the runner and Meta.'
  }
}

function classifyGraphError(
  error: GraphErrorBody,
  status: number,
  retryAfterMs: number | undefined
): Failure {
  const code = whole(error.code)
  const subcode = whole(error.error_subcode)
  const metaMessage = text(error.message) ?? 'no message'
  const known = lookupKnownError(code, subcode, metaMessage)
  const next = nextAfterGraphError(known, error.is_transient === true, status, retryAfterMs)
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
    next,
    ...(known && { hint: known.action })
  }
}

function nextAfterGraphError(
  known: KnownError | undefined,
  markedTransient: boolean,
  status: number,
  retryAfterMs: number | undefined
): Next {
  switch (known?.retry) {
    case 'never':
      return 'stop'
    case 'backoff':
      return 'retry'
    case 'read-then-backoff':
      return 'settle'
    // Maintenance lasts minutes: a retry within seconds only spends a call, unless Meta says when.
    case 'retry-after-only':
      return retryAfterMs === undefined ? 'stop' : 'retry'
    case 'no':
      return markedTransient ? 'retry' : 'stop'
    case undefined:
      // An error we do not know on a 5xx may come from a backend that carried the call out.
      if (status >= 500) return 'settle'
      return markedTransient ? 'retry' : 'stop'
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
      next: 'stop',
      hint: 'Check graph-api-url and any TLS-intercepting proxy (NODE_EXTRA_CA_CERTS).'
    }
  }
  if (failure.errorCode !== undefined && NOT_SENT_CODES.has(failure.errorCode)) {
    return {
      kind: 'network',
      message: `Could not connect (${failure.reason}); the request was not sent.`,
      next: 'retry',
      hint: "Check graph-api-url, the proxy settings and the runner's network."
    }
  }
  return {
    kind: 'network',
    message: failure.timedOut
      ? `No complete response within ${failure.reason}.`
      : `The connection failed after the request may have been sent (${failure.reason}).`,
    next: 'settle',
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

/** A response header, as inert text: it came from the server. */
function header(exchange: HttpExchange, name: string): string | undefined {
  const value = exchange.headers[name]
  const first = Array.isArray(value) ? value[0] : value
  return first === undefined ? undefined : neutralize(first)
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

/** A string field of Meta's error, as inert text. */
function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? neutralize(value) : undefined
}

function detailsOf(errorData: unknown): string | undefined {
  if (typeof errorData !== 'object' || errorData === null) return undefined
  return text((errorData as { details?: unknown }).details)
}
