/**
 * Requests that never answer: the bundled action settles a timed-out register call by reading the
 * number, never registers blind, and ends by itself within the README's "Longest run" bound.
 * The timeouts are real (timeout-seconds 1) and so is the first backoff (0.5–1 s). The settle
 * window is no longer than the timeout unless a scenario is about it: the call has then been sent
 * at least that long before the first read, so one read settles it, as the README's bound counts.
 */
import { afterAll, describe, expect, it as jestIt, jest } from '@jest/globals'
import type { Fault } from '../../sim/graph-simulator.js'
import type { ActionRun } from '../../sim/action-runner.js'
import {
  BACKUP_DATA,
  BACKUP_PASSWORD,
  expectUncertain,
  infoLines,
  inputs,
  NEW_NUMBER_ID,
  newNumber,
  ON_PREMISE_ID,
  onPremiseNumber,
  PIN,
  PREFLIGHT,
  routes,
  runChecked,
  startSimulator,
  stopSimulators,
  summaryRow,
  theFailure,
  TOKEN,
  warnings,
  expectRegistered
} from './action-scenario.js'

// Every scenario starts its own simulator: they run side by side (see action-scenario.ts).
const it = jestIt.concurrent

// Each scenario kills its action well before this.
jest.setTimeout(40_000)
afterAll(stopSimulators)

const SECRETS = [TOKEN, PIN, BACKUP_DATA, BACKUP_PASSWORD]
const MIGRATION = { 'backup-data': BACKUP_DATA, 'backup-password': BACKUP_PASSWORD }
/** A read that lets the request through unchanged, to reach the next fault in the queue. */
const PASS: Fault = { kind: 'delay', ms: 0 }
const HTML_503: Fault = {
  kind: 'respond',
  status: 503,
  body: '<html><body>Service Unavailable</body></html>',
  headers: { 'content-type': 'text/html' }
}

describe('a register call that times out', () => {
  // The default settle window (30 s) is left as it is: a read that shows the number registered
  // ends the settling at once, so the run ends long before the harness kills it.
  it('went through: a read shows the number registered, and no second call is made', async () => {
    const { sim, url } = await startSimulator([onPremiseNumber()])
    sim.script('register', [{ kind: 'process-then-hang' }])

    const run = await runChecked(
      inputs(url, ON_PREMISE_ID, { ...MIGRATION, 'timeout-seconds': '1' }),
      SECRETS,
      { timeoutMs: 20_000 }
    )

    expectRegistered(run, 1)
    expect(routes(sim.requests)).toEqual([...PREFLIGHT, 'register', 'read'])
    expect(sim.registerCalls()).toHaveLength(1)
    expect(infoLines(run)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/register call is uncertain: reading the number/),
        expect.stringMatching(/the register call went through/),
        'Registered after 1 register call.'
      ])
    )
    expect(warnings(run)).toContainEqual(expect.stringMatching(/^timeout-seconds is 1: /))
    expect(summaryRow(run, 'Platform before')).toBe('ON_PREMISE (CONNECTED)')
    expect(summaryRow(run, 'Platform after')).toBe('CLOUD_API (CONNECTED)')
  })

  it('did not go through: the read shows it, and the call is retried once', async () => {
    const { sim, url } = await startSimulator([newNumber()])
    sim.script('register', [{ kind: 'hang' }])

    const run = await runChecked(
      inputs(url, NEW_NUMBER_ID, { 'timeout-seconds': '1', 'settle-seconds': '1' }),
      [TOKEN, PIN],
      { timeoutMs: 20_000 }
    )

    expect(run.exitCode).toBe(0)
    expect(run.outputs).toMatchObject({ result: 'registered', attempts: '2', 'http-status': '200' })
    expect(routes(sim.requests)).toEqual([...PREFLIGHT, 'register', 'read', 'register', 'read'])
    expect(sim.registerCalls().map(call => call.json)).toEqual([
      { messaging_product: 'whatsapp', pin: PIN },
      { messaging_product: 'whatsapp', pin: PIN }
    ])
    expect(infoLines(run)).toContainEqual(
      expect.stringMatching(/^Register attempt 2 of 3 in [0-9.]+ s: network failure .*backing off/)
    )
  })

  it.each([
    ['it was not processed', 'hang', 'ON_PREMISE'],
    ['it was processed', 'process-then-hang', 'CLOUD_API']
  ] as const)(
    'and the read to settle it fails too (%s): ends as uncertain, no further call',
    async (_, kind, platformAfter) => {
      const { sim, url } = await startSimulator([onPremiseNumber()])
      sim.script('register', [{ kind }])
      sim.script('read', [PASS, HTML_503])

      const run = await runChecked(
        inputs(url, ON_PREMISE_ID, { ...MIGRATION, 'timeout-seconds': '1', 'settle-seconds': '1' }),
        SECRETS,
        { timeoutMs: 20_000 }
      )

      // Two attempts were left (retries 2), and none was used blind.
      expect(routes(sim.requests)).toEqual([...PREFLIGHT, 'register', 'read'])
      const failure = expectUncertain(run, 1)
      expect(failure).toMatch(/uncertain: No complete response within 1 s\.\n/)
      expect(failure).toContain('could not be read: HTTP 503 without a Graph error')
      // The platform read before the call may be out of date: no platform or status is reported.
      expect(run.outputs).not.toHaveProperty('platform-type')
      expect(run.outputs).not.toHaveProperty('phone-number-status')
      expect(summaryRow(run, 'Platform before')).toBe('ON_PREMISE (CONNECTED)')
      expect(sim.number(ON_PREMISE_ID).platformType).toBe(platformAfter)
    }
  )

  it('went through, and a read in the settle window shows it after one that failed', async () => {
    const { sim, url } = await startSimulator([onPremiseNumber()])
    sim.script('register', [{ kind: 'process-then-hang' }])
    sim.script('read', [PASS, HTML_503])

    // The first read comes once the 1 s timeout has passed, inside the 3 s window: its failure
    // proves nothing, and the action reads again.
    const run = await runChecked(
      inputs(url, ON_PREMISE_ID, { ...MIGRATION, 'timeout-seconds': '1', 'settle-seconds': '3' }),
      SECRETS,
      { timeoutMs: 20_000 }
    )

    expectRegistered(run, 1)
    expect(routes(sim.requests)).toEqual([...PREFLIGHT, 'register', 'read', 'read'])
    expect(sim.registerCalls()).toHaveLength(1)
  })
})

describe('the longest run (README, "How it decides")', () => {
  const T = 1
  const r = 1
  /**
   * The README's `3r + 4` requests: r + 1 pre-flight reads, r + 1 register calls each followed by
   * one read, the post-check, and one read again with fewer fields.
   */
  const readmeRequests = 3 * r + 4
  /**
   * From Graph v21.0 (the default) the pre-flight also reads the number's settings, with the
   * retries of a read: r + 1 more requests, each ending by its deadline T. (The README's formula
   * and the printed "Longest possible run" leave them out.)
   */
  const maxRequests = readmeRequests + (r + 1)
  /** Every request's T plus `3r` pauses of at most min(30, 2^(k-1)) s each: 1 s for k = 1. */
  const boundMs = (maxRequests * T + 3 * r * 1) * 1000
  /** Start-up of node and the bundle, and a loaded machine: not part of the bound. */
  const marginMs = 6_000

  it('ends by itself within the bound when every attempt hangs', async () => {
    const { sim, url } = await startSimulator([onPremiseNumber()])
    // The pre-flight read and the settings read hang once, then answer; every register call hangs,
    // and each read that follows one answers "not registered": every retry the action may make, it
    // makes.
    sim.script('read', [{ kind: 'hang' }])
    sim.script('settings', [{ kind: 'hang' }])
    sim.script(
      'register',
      Array.from({ length: r + 1 }, (): Fault => ({ kind: 'hang' }))
    )

    const run = await runBounded(url, {})

    expect(routes(sim.requests)).toEqual([
      'read',
      'read',
      'settings',
      'settings',
      'register',
      'read',
      'register',
      'read'
    ])
    expect(sim.requests.length).toBeLessThanOrEqual(maxRequests)
    const failure = theFailure(run)
    expect(failure).toMatch(
      /^Register failed with an uncertain outcome: No complete response within 1 s\./
    )
    // The last read proved the call did not happen, and no attempt was left: failed, not uncertain.
    expect(failure).toContain('The number then showed platform ON_PREMISE, status CONNECTED')
    expect(failure).toContain('no attempts left (2 of 2 made)')
    expect(failure).toContain('(2 register calls made)')
    expect(infoLines(run).filter(line => / attempt 2 of 2 in /.test(line))).toEqual([
      expect.stringMatching(/^Read attempt 2 of 2 in /),
      expect.stringMatching(/^Settings read attempt 2 of 2 in /),
      expect.stringMatching(/^Register attempt 2 of 2 in /)
    ])
  })

  // A Graph version that rejects an optional field (is_on_biz_app, throughput) costs one more
  // request, once: the reader keeps to the core fields for the rest of the run (README: "once per
  // run a second read").
  it('holds the same bound when Graph rejects an optional read field', async () => {
    const { sim, url } = await startSimulator([onPremiseNumber()], {
      unknownFields: ['is_on_biz_app']
    })
    sim.script(
      'register',
      Array.from({ length: r + 1 }, (): Fault => ({ kind: 'hang' }))
    )

    await runBounded(url, { 'api-version': 'v19.0' })

    expect(sim.registerCalls()).toHaveLength(r + 1)
    // No settings edge before v21.0: the README's count holds as it is.
    expect(routes(sim.requests)).not.toContain('settings')
    expect(sim.requests.length).toBeLessThanOrEqual(readmeRequests)
  })

  /**
   * Runs the migration with T and r, killed only well past the bound; it must end by itself. The
   * settle window is T: the README's bound counts one read after each register call, which holds
   * when the window has passed by the time a timed-out call gives way to its first read.
   */
  async function runBounded(url: string, extra: Record<string, string>): Promise<ActionRun> {
    const run = await runChecked(
      inputs(url, ON_PREMISE_ID, {
        ...MIGRATION,
        ...extra,
        'timeout-seconds': String(T),
        'settle-seconds': String(T),
        retries: String(r)
      }),
      SECRETS,
      { timeoutMs: boundMs + marginMs }
    )
    expect(run.signal).toBeNull()
    expect(run.exitCode).toBe(1)
    expect(run.outputs).toMatchObject({
      success: 'false',
      result: 'failed',
      attempts: String(r + 1)
    })
    return run
  }
})
