/**
 * Responses that arrive but are not what Graph sends: truncated JSON, an HTML page, a 200 that
 * says `{"success": false}`, an empty body, a body of several megabytes. None is a success; a 2xx
 * that is not Meta's success is settled by reading the number; the echo of any body is capped.
 *
 * The server answers at once and the settle window here is 0 s: one read settles each uncertain
 * answer (the window itself is the e2e suite's business).
 */
import { afterAll, describe, expect, it as jestIt } from '@jest/globals'
import type { ActionRun } from '../../sim/action-runner.js'
import {
  commandMessages,
  expectFailure,
  expectRegistered,
  migration,
  NUMBER_ID,
  PREFLIGHT,
  runFault,
  startSimulator,
  stopAll
} from './fault-kit.js'

// Every fault starts its own servers: they run side by side (see fault-kit.ts).
const it = jestIt.concurrent

afterAll(stopAll)

/** One register call and a settle window of 0 s: the first answer and one read decide. */
const NO_RETRY = { retries: '0', 'settle-seconds': '0' }

const HTML_PAGE =
  '<!DOCTYPE html>\n<html><head><title>Welcome</title></head><body><h1>It works!</h1></body></html>'

/** Register answered once with `body`; no retries, so the one answer decides. */
async function registerAnswered(
  status: number,
  body: string,
  contentType = 'application/json; charset=UTF-8'
): Promise<{ run: ActionRun; routes: string[] }> {
  const { sim, url } = await startSimulator()
  sim.script('register', [
    { kind: 'respond', status, body, headers: { 'content-type': contentType } }
  ])
  const run = await runFault(migration(url, NO_RETRY))
  expect(sim.number(NUMBER_ID).platformType).toBe('ON_PREMISE')
  return { run, routes: sim.requests.map(r => r.route) }
}

describe('a 2xx that is not Meta’s success', () => {
  // The response output shows a body as one inert line: JSON re-written as JSON (each string
  // redacted on its own), any other text with its line breaks as spaces.
  it.each([
    [
      'truncated JSON',
      '{"success": tr',
      'application/json',
      '14 characters of application/json',
      '{"success": tr'
    ],
    [
      'an HTML page',
      HTML_PAGE,
      'text/html',
      `${HTML_PAGE.length} characters of text/html`,
      HTML_PAGE.replace('\n', ' ')
    ],
    [
      '{"success": false}',
      '{"success": false}',
      'application/json',
      '18 characters',
      '{"success":false}'
    ],
    ['an empty body', '', 'application/json', 'empty body', '']
  ])(
    '200 with %s: not a success; the number is read and the run fails',
    async (_name, body, type, described, shown) => {
      const { run, routes } = await registerAnswered(200, body, type)
      // The read proved the call did not happen; a retry could follow, but none is left.
      const message = expectFailure(run, 1)
      expect(message).toMatch(
        /^Register failed with an uncertain outcome: HTTP 200 but not a success \(/
      )
      expect(message).toContain(`(${described}`)
      expect(message).toContain('The number then showed platform ON_PREMISE, status CONNECTED')
      expect(message).toContain('no attempts left (1 of 1 made)')
      expect(run.outputs['platform-type']).toBe('ON_PREMISE')
      expect(run.outputs['http-status']).toBe('200')
      expect(run.outputs.response).toBe(shown)
      expect(routes).toEqual([...PREFLIGHT, 'register', 'read'])
    },
    60_000
  )
})

describe('error responses without a Graph error', () => {
  it('a 400 with truncated Graph JSON fails at once, not retried, not read', async () => {
    const body = '{"error":{"message":"(#100) Param pin must be'
    const { run, routes } = await registerAnswered(400, body)
    const message = expectFailure(run, 1)
    expect(message).toMatch(
      /^Register failed: HTTP 400 without a Graph error \(45 characters of application\/json\)\./
    )
    expect(run.outputs['http-status']).toBe('400')
    expect(run.outputs['error-code']).toBeUndefined()
    expect(routes).toEqual([...PREFLIGHT, 'register'])
  }, 60_000)

  it('a 503 with an empty body may have gone through: read, and with no retries left it fails saying so', async () => {
    const { run } = await registerAnswered(503, '', 'text/plain')
    const message = expectFailure(run, 1)
    expect(message).toMatch(
      /^Register failed with an uncertain outcome: HTTP 503 without a Graph error \(empty body\), probably from a proxy or load balancer\./
    )
    expect(message).toContain('no attempts left (1 of 1 made)')
  }, 60_000)

  it('a 502 HTML page from a gateway is read, then retried, and the retry registers', async () => {
    const { sim, url } = await startSimulator()
    sim.script('register', [
      {
        kind: 'respond',
        status: 502,
        body: '<html><body><h1>502 Bad Gateway</h1></body></html>',
        headers: { 'content-type': 'text/html' }
      }
    ])
    const run = await runFault(migration(url, { retries: '2', 'settle-seconds': '0' }))
    expectRegistered(run, 2)
    expect(sim.requests.map(r => r.route)).toEqual([
      ...PREFLIGHT,
      'register',
      'read',
      'register',
      'read'
    ])
  }, 60_000)
})

describe('a body of several megabytes', () => {
  /** What `Redactor.redact` appends to a cut text. */
  const cut = (length: number): string => `… (${length} characters in all, cut)`
  const MAX_SHOWN = 4000

  /** Nothing the action wrote grows with the body. */
  function expectSmallEcho(run: ActionRun): void {
    expect(run.stdout.length).toBeLessThan(3 * MAX_SHOWN)
    expect(run.summary.length).toBeLessThan(3 * MAX_SHOWN)
    for (const value of Object.values(run.outputs)) {
      expect(value.length).toBeLessThanOrEqual(MAX_SHOWN + cut(10_000_000).length)
    }
  }

  it('is read up to 1 MiB only, and its echo in the response output is capped', async () => {
    const { sim, url } = await startSimulator()
    sim.script('register', [{ kind: 'huge', status: 500, bytes: 5 * 1024 * 1024 }])
    const run = await runFault(migration(url, NO_RETRY))
    const message = expectFailure(run, 1)
    // Cut at 1 MiB, the Graph JSON no longer parses: a 5xx without a Graph error.
    expect(message).toMatch(
      /^Register failed with an uncertain outcome: HTTP 500 without a Graph error \(1048576\+ characters of application\/json\)/
    )
    const response = run.outputs.response
    expect(response.length).toBe(MAX_SHOWN + cut(1024 * 1024).length)
    expect(response).toMatch(/^\{"error":\{"message":"An unknown error occurred\. /)
    expect(response.endsWith(cut(1024 * 1024))).toBe(true)
    expectSmallEcho(run)
  }, 60_000)

  it('a Graph error whose message is 600 KB long is capped in the log, outputs and summary', async () => {
    const { sim, url } = await startSimulator()
    const metaMessage = `(#100) ${'The parameter is invalid. '.repeat(24_000)}`
    const body = JSON.stringify({
      error: { message: metaMessage, type: 'OAuthException', code: 100 }
    })
    sim.script('register', [{ kind: 'respond', status: 400, body }])
    const run = await runFault(migration(url, NO_RETRY))
    const message = expectFailure(run, 1)
    expect(message).toMatch(/^Register failed: HTTP 400, Graph error \(code 100\): \(#100\) The/)
    expect(message.length).toBeLessThanOrEqual(MAX_SHOWN + cut(10_000_000).length)
    expect(message).toMatch(/… \([0-9]+ characters in all, cut\)$/)
    expect(run.outputs['error-code']).toBe('100')
    expect(commandMessages(run, 'error')[0]).toBe(message)
    expectSmallEcho(run)
  }, 60_000)
})
