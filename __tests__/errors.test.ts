import type { IncomingHttpHeaders } from 'node:http'
import { describe, it, expect } from '@jest/globals'
import { KNOWN_ERRORS } from '../src/error-codes.js'
import {
  classifyNetworkFailure,
  classifyResponse,
  parseGraphError,
  parseRetryAfter,
  type Failure
} from '../src/errors.js'
import { NetworkFailure, type HttpExchange } from '../src/graph.js'
import { decideRetry, DEFAULT_TIMING } from '../src/retry.js'

const NOW = Date.UTC(2026, 9, 1, 12, 0, 0)
const TRACE = 'AbCdEfGhIjKlMnOpQrStUvW'

function exchange(
  status: number,
  body: string,
  headers: IncomingHttpHeaders = {},
  bodyTruncated = false
): HttpExchange {
  return { status, headers, body, bodyTruncated }
}

function graphBody(error: Record<string, unknown>): string {
  return JSON.stringify({ error: { type: 'OAuthException', fbtrace_id: TRACE, ...error } })
}

/** The hint the action gives for a known error, by its label in KNOWN_ERRORS. */
function hintOf(label: string): string {
  const entry = KNOWN_ERRORS.find(known => known.label === label)
  if (!entry) throw new Error(`No known error labelled ${label}`)
  return entry.action
}

type Expected = Pick<Failure, 'next'> & { hint?: string }

const STOP: Omit<Expected, 'hint'> = { next: 'stop' }
const RETRY: Omit<Expected, 'hint'> = { next: 'retry' }
const SETTLE: Omit<Expected, 'hint'> = { next: 'settle' }

describe('classifyResponse: Graph errors', () => {
  it.each<[string, number, Record<string, unknown>, Expected]>([
    [
      'PIN mismatch 133005',
      400,
      { code: 133005, message: 'Two step verification PIN Mismatch' },
      { ...STOP, hint: hintOf('133005') }
    ],
    [
      '133005 as a subcode of 100',
      400,
      { code: 100, error_subcode: 133005, message: '(#100) Invalid parameter' },
      { ...STOP, hint: hintOf('133005') }
    ],
    [
      '133005 marked transient',
      400,
      { code: 133005, is_transient: true },
      { ...STOP, hint: hintOf('133005') }
    ],
    [
      'register rate limit 133016',
      400,
      { code: 133016, message: 'Rate limit exceeded' },
      { ...STOP, hint: hintOf('133016') }
    ],
    [
      '133016 as a subcode of 100',
      400,
      { code: 100, error_subcode: 133016 },
      { ...STOP, hint: hintOf('133016') }
    ],
    [
      'throttling code 4 marked transient',
      429,
      { code: 4, is_transient: true, message: '(#4) Application request limit reached' },
      { ...STOP, hint: hintOf('4, 80007, 130429') }
    ],
    [
      'business rate limit 80007 marked transient',
      400,
      { code: 80007, is_transient: true },
      { ...STOP, hint: hintOf('4, 80007, 130429') }
    ],
    ['130429', 400, { code: 130429 }, { ...STOP, hint: hintOf('4, 80007, 130429') }],
    [
      'expired token 190/463',
      401,
      {
        code: 190,
        error_subcode: 463,
        message: 'Error validating access token: Session has expired'
      },
      { ...STOP, hint: hintOf('190 (subcodes 460, 463, 467)') }
    ],
    [
      'invalid token 190 marked transient',
      401,
      { code: 190, is_transient: true },
      { ...STOP, hint: hintOf('190 (subcodes 460, 463, 467)') }
    ],
    [
      'permission 10',
      403,
      { code: 10, message: '(#10) Application does not have permission for this action' },
      { ...STOP, hint: hintOf('0, 10, 200–299') }
    ],
    ['permission 200', 403, { code: 200 }, { ...STOP, hint: hintOf('0, 10, 200–299') }],
    ['permission 299', 403, { code: 299 }, { ...STOP, hint: hintOf('0, 10, 200–299') }],
    ['permission 0', 400, { code: 0 }, { ...STOP, hint: hintOf('0, 10, 200–299') }],
    [
      'unknown id 100/33',
      400,
      {
        code: 100,
        error_subcode: 33,
        message: "Unsupported post request. Object with ID '123' does not exist"
      },
      { ...STOP, hint: hintOf('100 (subcode 33)') }
    ],
    [
      'coexistence number',
      400,
      { code: 100, message: 'Register endpoint is not available for SMB businesses' },
      { ...STOP, hint: hintOf('100 ("not available for SMB businesses")') }
    ],
    [
      'invalid parameter 100',
      400,
      { code: 100, message: '(#100) Param pin must be 6 digits' },
      { ...STOP, hint: hintOf('100') }
    ],
    [
      '100 with an unknown subcode',
      400,
      { code: 100, error_subcode: 2018001 },
      { ...STOP, hint: hintOf('100') }
    ],
    [
      'unknown error 1',
      500,
      { code: 1, is_transient: true, message: 'An unknown error occurred' },
      { ...SETTLE, hint: hintOf('1, 2') }
    ],
    [
      'service error 2 not marked transient',
      500,
      { code: 2, message: 'Service temporarily unavailable' },
      { ...SETTLE, hint: hintOf('1, 2') }
    ],
    [
      '131000',
      500,
      { code: 131000, message: 'Something went wrong' },
      { ...SETTLE, hint: hintOf('131000') }
    ],
    [
      '133004 unavailable',
      503,
      {
        code: 133004,
        error_data: { messaging_product: 'whatsapp', details: 'Try again in 5 minutes' }
      },
      { ...RETRY, hint: hintOf('133004') }
    ],
    ['2494100 maintenance', 503, { code: 2494100 }, { ...STOP, hint: hintOf('2494100') }],
    ['2494100 with HTTP 400', 400, { code: 2494100 }, { ...STOP, hint: hintOf('2494100') }],
    ['131057 account maintenance', 500, { code: 131057 }, { ...STOP, hint: hintOf('131057') }],
    ['803 wrong alias', 404, { code: 803 }, { ...STOP, hint: hintOf('803') }],
    ['33 at the top level', 400, { code: 33 }, { ...STOP, hint: hintOf('33') }],
    ['3 capability', 400, { code: 3 }, { ...STOP, hint: hintOf('3') }],
    ['368 policy block', 400, { code: 368 }, { ...STOP, hint: hintOf('368') }],
    [
      '100 with the generic subcode 2 stays 100',
      400,
      { code: 100, error_subcode: 2 },
      { ...STOP, hint: hintOf('100') }
    ],
    [
      '100 with the generic subcode 1 stays 100',
      500,
      { code: 100, error_subcode: 1 },
      { ...STOP, hint: hintOf('100') }
    ],
    ['an unknown code on a 5xx may have been carried out', 500, { code: 987654 }, SETTLE],
    ['an unknown code on a 4xx is not retried', 400, { code: 987654 }, STOP],
    ['133000 with HTTP 500', 500, { code: 133000 }, { ...STOP, hint: hintOf('133000') }],
    ['131045 with HTTP 500', 500, { code: 131045 }, { ...STOP, hint: hintOf('131045') }],
    ['2388001 certificate', 400, { code: 2388001 }, { ...STOP, hint: hintOf('2388001') }],
    ['133015 recently deleted', 400, { code: 133015 }, { ...STOP, hint: hintOf('133015') }],
    ['an unknown code', 400, { code: 987654 }, STOP],
    [
      'an unknown code marked transient on a 5xx',
      500,
      { code: 987654, is_transient: true },
      SETTLE
    ],
    ['an unknown code marked transient on a 4xx', 400, { code: 987654, is_transient: true }, RETRY],
    [
      'a "no" code marked transient by Meta',
      500,
      { code: 133000, is_transient: true },
      { ...RETRY, hint: hintOf('133000') }
    ],
    ['is_transient as a string is not a mark', 400, { code: 987654, is_transient: 'true' }, STOP],
    ['a code sent as a string', 400, { code: '133005' }, { ...STOP, hint: hintOf('133005') }],
    ['no code at all', 400, { message: 'Something' }, STOP]
  ])('%s', (_, status, error, expected) => {
    const failure = classifyResponse(exchange(status, graphBody(error)), NOW)
    expect(failure.kind).toBe('graph')
    expect(failure.httpStatus).toBe(status)
    expect({ next: failure.next, hint: failure.hint }).toEqual(expected)
  })

  it.each([
    ['2494100', 503],
    ['131057', 500]
  ])('retries maintenance %s only when Retry-After says when', (code, status) => {
    const body = graphBody({ code: Number(code) })
    expect(classifyResponse(exchange(status, body), NOW).next).toBe('stop')
    const withRetryAfter = classifyResponse(exchange(status, body, { 'retry-after': '20' }), NOW)
    expect(withRetryAfter).toMatchObject({ next: 'retry', retryAfterMs: 20_000 })
  })

  it('never retries any never-retry error, whatever else the body says', () => {
    const timing = { ...DEFAULT_TIMING, random: () => 0 }
    for (const code of [133005, 133016, 4, 80007, 190, 100]) {
      for (const body of [
        { code, is_transient: true },
        { code: 100, error_subcode: code, is_transient: true }
      ]) {
        const failure = classifyResponse(
          exchange(503, graphBody(body), { 'retry-after': '1' }),
          NOW
        )
        expect(decideRetry(failure, 1, 11, timing).retry).toBe(false)
      }
    }
  })

  it('keeps the code, the subcode, Meta message, user message, details and trace id', () => {
    const failure = classifyResponse(
      exchange(
        400,
        graphBody({
          code: 100,
          error_subcode: 133005,
          message: '(#100) Two step verification PIN Mismatch',
          error_user_title: 'PIN mismatch',
          error_user_msg: 'Check the PIN.',
          error_data: {
            messaging_product: 'whatsapp',
            details: 'Two step verification PIN Mismatch'
          }
        })
      ),
      NOW
    )
    expect(failure).toMatchObject({
      kind: 'graph',
      message:
        'HTTP 400, Graph error (code 100, subcode 133005): (#100) Two step verification PIN Mismatch',
      httpStatus: 400,
      code: 100,
      subcode: 133005,
      userMessage: 'PIN mismatch: Check the PIN.',
      details: 'Two step verification PIN Mismatch',
      fbtraceId: TRACE
    })
  })

  it('says "no message" and leaves out absent fields', () => {
    const failure = classifyResponse(exchange(400, JSON.stringify({ error: {} })), NOW)
    expect(failure.message).toBe('HTTP 400, Graph error: no message')
    for (const key of [
      'code',
      'subcode',
      'userMessage',
      'details',
      'fbtraceId',
      'hint',
      'retryAfterMs'
    ])
      expect(failure).not.toHaveProperty(key)
  })

  it('takes the trace id from X-Fb-Trace-Id only when the body has none', () => {
    const withoutId = JSON.stringify({ error: { code: 133005, message: 'PIN' } })
    expect(
      classifyResponse(exchange(400, withoutId, { 'x-fb-trace-id': 'header-id' }), NOW).fbtraceId
    ).toBe('header-id')
    expect(
      classifyResponse(
        exchange(400, graphBody({ code: 133005 }), { 'x-fb-trace-id': 'header-id' }),
        NOW
      ).fbtraceId
    ).toBe(TRACE)
  })

  it('keeps Retry-After of a Graph error', () => {
    const failure = classifyResponse(
      exchange(503, graphBody({ code: 133004 }), { 'retry-after': '12' }),
      NOW
    )
    expect(failure.retryAfterMs).toBe(12_000)
  })
})

describe('classifyResponse: answers without a Graph error', () => {
  const html = '<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>'

  it.each<[string, HttpExchange, Expected & { message: RegExp }]>([
    [
      'HTML 502 from a proxy',
      exchange(502, html, { 'content-type': 'text/html; charset=utf-8' }),
      {
        ...SETTLE,
        message: new RegExp(
          `^HTTP 502 without a Graph error \\(${html.length} characters of text/html\\)`
        )
      }
    ],
    [
      'empty 503',
      exchange(503, ''),
      { ...SETTLE, message: /^HTTP 503 without a Graph error \(empty body\)/ }
    ],
    ['whitespace-only 504', exchange(504, ' \r\n'), { ...SETTLE, message: /\(empty body\)/ }],
    [
      'plain-text 500',
      exchange(500, 'Internal Server Error', { 'content-type': 'text/plain' }),
      { ...SETTLE, message: /^HTTP 500 .*21 characters of text\/plain/ }
    ],
    [
      'truncated body',
      exchange(502, 'x'.repeat(10), {}, true),
      { ...SETTLE, message: /10\+ characters\)/ }
    ],
    [
      'JSON without an error object',
      exchange(503, '{"error":"busy"}'),
      { ...SETTLE, message: /^HTTP 503 without a Graph error/ }
    ],
    [
      '429 without a Graph error',
      exchange(429, 'Too Many Requests'),
      {
        ...STOP,
        message: /^HTTP 429 without a Graph error/,
        hint: 'Rate limited: wait before running again.'
      }
    ],
    [
      'a 302 redirect',
      exchange(302, '', { location: 'https://login.example.com/' }),
      {
        ...STOP,
        message: /^HTTP 302: a redirect to https:\/\/login\.example\.com\/, not followed/,
        hint: 'Check graph-api-url: it must point at the Graph API itself.'
      }
    ],
    [
      'a 307 without Location',
      exchange(307, ''),
      {
        ...STOP,
        message: /^HTTP 307: a redirect, not followed/,
        hint: 'Check graph-api-url: it must point at the Graph API itself.'
      }
    ],
    [
      '200 with success false',
      exchange(200, '{"success":false}'),
      {
        ...SETTLE,
        message: /^HTTP 200 but not a success/
      }
    ],
    [
      '200 with plain text',
      exchange(200, 'OK'),
      {
        ...SETTLE,
        message: /^HTTP 200 but not a success \(2 characters\)/
      }
    ],
    [
      '404 HTML',
      exchange(404, html, { 'content-type': 'text/html' }),
      {
        ...STOP,
        message: /^HTTP 404 without a Graph error/,
        hint: 'Check graph-api-url and any proxy between the runner and Meta.'
      }
    ],
    [
      '400 empty',
      exchange(400, ''),
      { ...STOP, message: /^HTTP 400 without a Graph error \(empty body\)/ }
    ]
  ])('%s', (_, response, expected) => {
    const failure = classifyResponse(response, NOW)
    expect(failure.kind).toBe('http')
    expect(failure.httpStatus).toBe(response.status)
    expect(failure.message).toMatch(expected.message)
    expect(failure.next).toBe(expected.next)
    if (expected.hint !== undefined) expect(failure.hint).toBe(expected.hint)
    else expect(typeof failure.hint).toBe('string')
  })

  it('never quotes a non-Graph body in its message', () => {
    const body = '<html>leaked-token-EAAGxyz</html>'
    expect(classifyResponse(exchange(502, body), NOW).message).not.toContain('leaked')
  })

  it('keeps Retry-After and X-Fb-Trace-Id of a non-Graph answer', () => {
    const failure = classifyResponse(
      exchange(503, '', { 'retry-after': '3', 'x-fb-trace-id': 'trace-1' }),
      NOW
    )
    expect(failure.retryAfterMs).toBe(3000)
    expect(failure.fbtraceId).toBe('trace-1')
  })
})

describe('classifyResponse: server text is inert', () => {
  it('keeps every text field of a Graph error, and the trace header, on one line without controls', () => {
    const hostile = 'bad\n::stop-commands::token\r\n\u001b[31m::error::forged\u2028x'
    const failure = classifyResponse(
      exchange(
        400,
        JSON.stringify({
          error: {
            message: hostile,
            code: 100,
            error_user_title: hostile,
            error_user_msg: hostile,
            error_data: { details: hostile }
          }
        }),
        { 'x-fb-trace-id': 'trace\u001b[2J' }
      ),
      NOW
    )
    for (const text of [failure.message, failure.userMessage, failure.details, failure.fbtraceId]) {
      expect(text).toBeDefined()
      // eslint-disable-next-line no-control-regex
      expect(text).not.toMatch(new RegExp('[\n\r\u001b\u2028]'))
    }
    expect(failure.message).toContain('bad ::stop-commands::token ::error::forged x')
  })
})

describe('parseGraphError', () => {
  it.each([
    ['{"error":{"code":1}}', { code: 1 }],
    ['{"error":{}}', {}],
    ['{"error":"boom"}', undefined],
    ['{"error":null}', undefined],
    ['{"success":true}', undefined],
    ['null', undefined],
    ['"error"', undefined],
    ['<html></html>', undefined],
    ['', undefined]
  ])('parses %j', (body, expected) => {
    expect(parseGraphError(body)).toEqual(expected)
  })
})

describe('parseRetryAfter', () => {
  const future = new Date(NOW + 90_000).toUTCString()
  const past = new Date(NOW - 90_000).toUTCString()

  it.each<[string, string | undefined, number | undefined]>([
    ['seconds', '30', 30_000],
    ['zero', '0', 0],
    ['padded seconds', '  5 ', 5000],
    ['ten digits', '9999999999', 9_999_999_999_000],
    ['an HTTP date 90 s ahead', future, 90_000],
    ['an HTTP date in the past', past, 0],
    ['an ISO date, which is not an HTTP date', new Date(NOW + 5000).toISOString(), undefined],
    ['no header', undefined, undefined],
    ['empty', '', undefined],
    ['negative', '-5', undefined],
    ['fractional', '1.5', undefined],
    ['exponent', '1e3', undefined],
    ['a unit', '5s', undefined],
    ['words', 'soon', undefined]
  ])('%s', (_, value, expected) => {
    expect(parseRetryAfter(value, NOW)).toBe(expected)
  })

  // V8's Date.parse takes almost any text that holds a number for a date (`in 5` is 2001-05-01):
  // such garbage must be ignored, not turned into a wait of 0 ms.
  it.each([['in 5'], ['Retry-After: 5'], ['later 1'], ['NaN 12']])(
    'ignores garbage that holds a number: %j',
    value => {
      expect(parseRetryAfter(value, NOW)).toBeUndefined()
    }
  )

  // delta-seconds has no length limit (RFC 9110): a very long wait must end the retries, not be
  // ignored in favour of the ordinary backoff.
  it('treats a huge delta-seconds as a long wait, which ends the retries', () => {
    const retryAfterMs = parseRetryAfter('99999999999', NOW)
    expect(retryAfterMs).toBeGreaterThan(DEFAULT_TIMING.maxRetryAfterMs)
  })
})

/**
 * Every form of the header on a transient Graph error (133004 on a 503), from the response to the
 * first retry decision: honoured within the cap, ending the retries above it, ignored (ordinary
 * backoff) when it is not a delta-seconds or an HTTP date. The fault suite runs a few of these
 * through the bundle (__tests__/faults/retry-after.test.ts).
 */
describe('what each form of Retry-After decides', () => {
  const TIMING = { ...DEFAULT_TIMING, random: () => 0 }
  /** The first backoff with random 0: half of the 1 s base. */
  const BACKOFF = { retry: true, delayMs: 500, reason: 'backing off' }
  const waits = (ms: number): object => ({
    retry: true,
    delayMs: ms,
    reason: 'waiting as Retry-After asks'
  })
  const endsAsking = (seconds: string): object => ({
    retry: false,
    reason: expect.stringMatching(
      new RegExp(`asks to wait ${seconds} s \\(Retry-After\\), longer than`)
    )
  })
  const at = (ms: number): string => new Date(NOW + ms).toUTCString()

  it.each<[string, string, object]>([
    ['1 second', '1', waits(1000)],
    ['the 60 s cap', '60', waits(60_000)],
    ['zero', '0', waits(0)],
    ['an HTTP date 20 s ahead', at(20_000), waits(20_000)],
    ['an HTTP date in the past', at(-20_000), waits(0)],
    ['61 seconds', '61', endsAsking('61')],
    ['a day', '86400', endsAsking('86400')],
    ['ten digits', '9999999999', endsAsking('9999999999')],
    ['eleven digits', '99999999999', endsAsking('99999999999')],
    ['an HTTP date two days ahead', at(2 * 86_400_000), endsAsking('172800')],
    ['negative', '-30', BACKOFF],
    ['minus one', '-1', BACKOFF],
    ['a word', 'soon', BACKOFF],
    ['fractional', '1.5', BACKOFF],
    ['hexadecimal', '0x10', BACKOFF],
    ['words around a number', 'in 5', BACKOFF],
    ['a day name without a date', 'Friday, someday', BACKOFF],
    ['an ISO date', new Date(NOW + 5000).toISOString(), BACKOFF]
  ])('%s (%j)', (_, value, expected) => {
    const failure = classifyResponse(
      exchange(503, graphBody({ code: 133004, is_transient: true }), { 'retry-after': value }),
      NOW
    )
    expect(failure.next).toBe('retry')
    expect(decideRetry(failure, 1, 3, TIMING)).toEqual(expected)
  })
})

describe('classifyNetworkFailure', () => {
  it('does not retry a TLS failure', () => {
    const failure = classifyNetworkFailure(
      new NetworkFailure('CERT_HAS_EXPIRED', 'CERT_HAS_EXPIRED', false, true)
    )
    expect(failure).toMatchObject({ kind: 'network', ...STOP })
    expect(failure.message).toBe('TLS failed before the request was sent: CERT_HAS_EXPIRED.')
  })

  it.each([
    ['ECONNREFUSED'],
    ['ENOTFOUND'],
    ['EAI_AGAIN'],
    ['ENETUNREACH'],
    ['EHOSTUNREACH'],
    ['EADDRNOTAVAIL']
  ])('retries %s without doubt: nothing was sent', code => {
    const failure = classifyNetworkFailure(new NetworkFailure(code, code, false, false))
    expect(failure).toMatchObject({ kind: 'network', ...RETRY })
    expect(failure.message).toBe(`Could not connect (${code}); the request was not sent.`)
  })

  it.each([['ECONNRESET'], ['EPIPE'], [undefined]])(
    'treats %s as uncertain: the request may have been sent',
    code => {
      const failure = classifyNetworkFailure(
        new NetworkFailure(code ?? 'the connection failed', code, false, false)
      )
      expect(failure).toMatchObject({ kind: 'network', ...SETTLE })
      expect(failure.message).toMatch(/after the request may have been sent/)
    }
  )

  it('treats a timeout as uncertain and hints at the timeout', () => {
    const failure = classifyNetworkFailure(new NetworkFailure('60 s', undefined, true, false))
    expect(failure).toMatchObject({ kind: 'network', ...SETTLE })
    expect(failure.message).toBe('No complete response within 60 s.')
    expect(failure.hint).toMatch(/timeout-seconds at 30 or more/)
  })
})
