import type { IncomingHttpHeaders } from 'node:http'
import type { HttpExchange } from '../src/graph.js'
import { DEFAULT_TIMING, type RetryTiming } from '../src/retry.js'

/** The default timing without jitter: tests never really wait (their sleep only records). */
export const TIMING: RetryTiming = { ...DEFAULT_TIMING, random: () => 0 }

/** A response as GraphClient returns it; an object body is sent as JSON. */
export function response(
  status: number,
  body: unknown,
  headers: IncomingHttpHeaders = {}
): HttpExchange {
  return {
    status,
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    bodyTruncated: false
  }
}
