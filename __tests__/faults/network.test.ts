/**
 * Faults below HTTP that end a connection: nothing listening, and connections reset before or
 * after the request was read. The action must end by itself with a clear message, count its
 * register calls and never register blind. Requests that hang are in hangs.test.ts.
 */
import { afterAll, describe, expect, it as jestIt } from '@jest/globals'
import {
  closedPort,
  expectFailure,
  expectRegistered,
  expectUncertain,
  infoLines,
  migration,
  NUMBER_ID,
  PREFLIGHT,
  resettingServer,
  runFault,
  startSimulator,
  stopAll
} from './fault-kit.js'

// Every fault starts its own servers: they run side by side (see fault-kit.ts).
const it = jestIt.concurrent

// Nothing here can hang: runFault's default kill (30 s) bounds each run.
afterAll(stopAll)

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
    expect(sim.requests.map(r => r.route)).toEqual([
      ...PREFLIGHT,
      'register',
      'read',
      'register',
      'read'
    ])
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
