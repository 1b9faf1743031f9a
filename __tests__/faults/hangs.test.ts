/**
 * Faults below HTTP that leave the action waiting: a response that never comes and one that
 * trickles in slower than the deadline. The action must end by itself within the README's bound,
 * with a clear message, count its register calls and never register blind. Connections that are
 * refused or reset are in network.test.ts (a file of their own, so that both run side by side).
 */
import { afterAll, describe, expect, it as jestIt } from '@jest/globals'
import {
  expectFailure,
  expectUncertain,
  migration,
  NUMBER_ID,
  runFault,
  startSimulator,
  stopAll
} from './fault-kit.js'

// Every fault starts its own servers: they run side by side (see fault-kit.ts).
const it = jestIt.concurrent

afterAll(stopAll)

/**
 * The harness's kill, as a bound on the run. With every request hanging, README "Longest run"
 * says a run ends within (3r + 4) × T seconds plus at most 2r backoff pauses (the k-th at most
 * min(30, 2^(k-1)) s); the kill comes 15 s after that (start-up of the bundle included), so being
 * killed means the action hung. That bound counts one read after each register call: the runs
 * below keep the settle window within T (SETTLE_WITHIN_T).
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
