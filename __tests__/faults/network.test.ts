/**
 * Faults below HTTP: nothing listening, connections reset before or after the request was read, a
 * response that never comes and one that trickles in slower than the deadline. The action must end
 * by itself with a clear message, count its register calls and never register blind.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import {
  closedPort,
  expectFailure,
  expectRegistered,
  expectUncertain,
  infoLines,
  migration,
  NUMBER_ID,
  resettingServer,
  runFault,
  startSimulator,
  stopAll
} from './fault-kit.js'

afterEach(stopAll)

/**
 * The harness's kill, as a bound on the run. Where nothing can hang (a refused or reset
 * connection) runFault's default of 30 s applies. With every request hanging, README "Longest
 * run" says a run ends within (3r + 4) × T seconds plus at most 2r backoff pauses (the k-th at
 * most min(30, 2^(k-1)) s); the kill comes 15 s after that (start-up of the bundle included), so
 * being killed means the action hung. That bound counts one read after each register call: the
 * runs below that can hang keep the settle window within T (SETTLE_WITHIN_T).
 */
function killAfterMs(timeoutSeconds: number, retries: number): number {
  let pauses = 0
  for (let k = 1; k <= retries; k++) pauses += 2 * Math.min(30, 2 ** (k - 1))
  return ((3 * retries + 4) * timeoutSeconds + pauses + 15) * 1000
}

/**
 * timeout-seconds 1 and a settle window of 1 s: a call that timed out was sent 1 s before its
 * first read, so that one read settles it.
 */
const SETTLE_WITHIN_T = { 'timeout-seconds': '1', 'settle-seconds': '1' }

describe('connection refused (nothing listening)', () => {
  it('retries the register call, which was never sent, then fails counting every call', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`
    const run = await runFault(migration(url, { preflight: 'false', retries: '2' }))
    const message = expectFailure(run, 3)
    expect(message).toMatch(
      /^Register failed: Could not connect \(ECONNREFUSED\); the request was not sent\./
    )
    expect(message).toContain('no attempts left (3 of 3 made)')
    expect(message).toContain('3 register calls made')
    expect(run.outputs['http-status']).toBeUndefined()
    const retries = infoLines(run).filter(line => line.startsWith('Register attempt'))
    expect(retries).toEqual([
      expect.stringMatching(/^Register attempt 2 of 3 in [0-9.]+ s: network failure/),
      expect.stringMatching(/^Register attempt 3 of 3 in [0-9.]+ s: network failure/)
    ])
  }, 60_000)

  it('fails the pre-flight read after its retries, with no register call', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`
    const run = await runFault(migration(url, { retries: '1' }))
    const message = expectFailure(run, 0)
    expect(message).toMatch(
      /^Pre-flight read of the number failed \(no register call was made\): Could not connect \(ECONNREFUSED\)/
    )
    expect(infoLines(run)).toContainEqual(expect.stringMatching(/^Read attempt 2 of 2 in /))
  }, 60_000)
})

describe('connection reset', () => {
  it('before the request was read, on every connection: uncertain, never registers blind', async () => {
    const server = await resettingServer()
    // Settle window 0 s: one read, and no second chance for it.
    const run = await runFault(
      migration(server.url, { preflight: 'false', retries: '2', 'settle-seconds': '0' })
    )
    const message = expectUncertain(run, 1)
    expect(message).toContain('The connection failed after the request may have been sent')
    expect(message).toContain('could not be read')
    expect(run.outputs).not.toHaveProperty('platform-type')
    // One register call, one read to settle it, and nothing after the read failed.
    expect(server.connections()).toBe(2)
  }, 60_000)

  it('before the request was read, on every connection: reads until the settle window has passed, never registers again', async () => {
    const server = await resettingServer()
    const run = await runFault(
      migration(server.url, { preflight: 'false', retries: '2', 'settle-seconds': '2' })
    )
    expectUncertain(run, 1)
    // One register call, then reads (every 0.5 s) until the window has passed: a failed read
    // proves nothing, so the action reads again, and no second register call ever goes out.
    expect(server.connections()).toBeGreaterThanOrEqual(3)
    expect(infoLines(run).filter(line => line.startsWith('Register attempt'))).toEqual([])
  }, 60_000)

  it('after the request arrived but before it was processed: read, not registered, retried', async () => {
    const { sim, url } = await startSimulator()
    sim.script('register', [{ kind: 'reset-before' }])
    // Settle window 0 s: the one read that shows the number unregistered permits the retry.
    const run = await runFault(migration(url, { retries: '2', 'settle-seconds': '0' }))
    expectRegistered(run, 2)
    expect(sim.requests.map(r => r.route)).toEqual(['read', 'register', 'read', 'register', 'read'])
    expect(sim.number(NUMBER_ID).platformType).toBe('CLOUD_API')
  }, 60_000)

  it('after the request was processed: the read shows it went through, no second call', async () => {
    const { sim, url } = await startSimulator()
    sim.script('register', [{ kind: 'reset-after' }])
    const run = await runFault(migration(url, { retries: '2' }))
    expectRegistered(run, 1)
    expect(sim.registerCalls()).toHaveLength(1)
    expect(infoLines(run)).toContain(
      'The number is now on CLOUD_API and CONNECTED: the register call went through.'
    )
  }, 60_000)
})

describe('a response that never comes', () => {
  it('ends the register call at timeout-seconds, reads the number, and fails: not registered, no retry left', async () => {
    const { sim, url } = await startSimulator()
    sim.script('register', [{ kind: 'hang' }])
    const run = await runFault(migration(url, { ...SETTLE_WITHIN_T, retries: '0' }), {
      killAfterMs: killAfterMs(1, 0)
    })
    // The read proved the call did not happen: failed, not uncertain.
    const message = expectFailure(run, 1)
    expect(message).toMatch(
      /^Register failed with an uncertain outcome: No complete response within 1 s\./
    )
    expect(message).toContain('The number then showed platform ON_PREMISE, status CONNECTED')
    expect(message).toContain('keep timeout-seconds at 30 or more')
    expect(run.outputs['http-status']).toBeUndefined()
    expect(sim.registerCalls()).toHaveLength(1)
  }, 60_000)

  it('ends even when every request hangs, without registering blind', async () => {
    const { sim, url } = await startSimulator()
    sim.script(
      'register',
      Array.from({ length: 5 }, () => ({ kind: 'hang' as const }))
    )
    sim.script(
      'read',
      Array.from({ length: 10 }, () => ({ kind: 'hang' as const }))
    )
    const run = await runFault(
      migration(url, { ...SETTLE_WITHIN_T, retries: '1', preflight: 'false' }),
      { killAfterMs: killAfterMs(1, 1) }
    )
    const message = expectUncertain(run, 1)
    expect(message).toMatch(/uncertain: No complete response within 1 s\./)
    expect(message).toContain('could not be read: No complete response')
    expect(sim.requests.map(r => r.route)).toEqual(['register', 'read'])
  }, 60_000)

  it('ends a pre-flight read that never answers, with no register call', async () => {
    const { sim, url } = await startSimulator()
    sim.script(
      'read',
      Array.from({ length: 5 }, () => ({ kind: 'hang' as const }))
    )
    const run = await runFault(migration(url, { 'timeout-seconds': '1', retries: '2' }), {
      killAfterMs: killAfterMs(1, 2)
    })
    const message = expectFailure(run, 0)
    expect(message).toMatch(
      /^Pre-flight read of the number failed \(no register call was made\): No complete response within 1 s\./
    )
    expect(sim.requests.map(r => r.route)).toEqual(['read', 'read', 'read'])
  }, 60_000)
})

describe('a body slower than the deadline', () => {
  it('counts the body against timeout-seconds, though the socket is never idle that long', async () => {
    const { sim, url } = await startSimulator()
    // 16 bytes, one every 250 ms: headers at once, the body complete only after 4 s.
    const body = '{"success":true}'
    sim.script('register', [
      { kind: 'trickle', status: 200, body, bytesPerChunk: 1, intervalMs: 250 }
    ])
    const run = await runFault(migration(url, { ...SETTLE_WITHIN_T, retries: '0' }), {
      killAfterMs: killAfterMs(1, 0)
    })
    const message = expectFailure(run, 1)
    expect(message).toMatch(
      /^Register failed with an uncertain outcome: No complete response within 1 s\./
    )
    expect(run.outputs.response).toBeUndefined()
    expect(sim.number(NUMBER_ID).platformType).toBe('ON_PREMISE')
  }, 60_000)
})
