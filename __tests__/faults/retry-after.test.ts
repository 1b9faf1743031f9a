/**
 * `Retry-After` on a transient Graph error (133004, retried with backoff): honoured up to 60 s; a
 * longer one ends the retries at once (the action does not wait); a negative or garbage value is
 * ignored and the normal backoff (0.5–1 s before the first retry) applies.
 *
 * One or two representatives of each kind run the bundle here; every form of the header (delta
 * seconds of any length, HTTP dates, negatives, garbage that Date.parse would take) is in the unit
 * table "what each form of Retry-After decides" (__tests__/errors.test.ts).
 */
import { afterAll, describe, expect, it as jestIt } from '@jest/globals'
import type { ActionRun } from '../../sim/action-runner.js'
import {
  expectFailure,
  expectRegistered,
  infoLines,
  migration,
  runFault,
  startSimulator,
  stopAll
} from './fault-kit.js'

// Every fault starts its own servers: they run side by side (see fault-kit.ts).
const it = jestIt.concurrent

afterAll(stopAll)

/** One 503 with code 133004 and `Retry-After: value`, then normal answers; retries '2'. */
async function unavailableOnce(retryAfter: string): Promise<{ run: ActionRun; calls: number }> {
  const { sim, url } = await startSimulator()
  sim.script('register', [
    {
      kind: 'graph-error',
      status: 503,
      code: 133004,
      message: 'Server temporarily unavailable',
      isTransient: true,
      headers: { 'retry-after': retryAfter }
    }
  ])
  // Killed well before any honoured wait of a huge Retry-After could end.
  const run = await runFault(migration(url, { retries: '2' }), { killAfterMs: 30_000 })
  return { run, calls: sim.registerCalls().length }
}

function retryLines(run: ActionRun): string[] {
  return infoLines(run).filter(line => line.startsWith('Register attempt'))
}

describe('a huge Retry-After', () => {
  const inTwoDays = new Date(Date.now() + 2 * 24 * 3600 * 1000).toUTCString()
  it.each([
    ['86400 seconds', '86400', /asks to wait 86400 s \(Retry-After\)/],
    ['an HTTP date two days ahead', inTwoDays, /asks to wait 17[0-9]{4} s \(Retry-After\)/]
  ])(
    '(%s) ends the retries at once and says why',
    async (_name, value, asks) => {
      const { run, calls } = await unavailableOnce(value)
      const message = expectFailure(run, 1)
      expect(message).toMatch(/^Register failed: HTTP 503, Graph error \(code 133004\)/)
      expect(message).toMatch(asks)
      expect(message).toContain('longer than the 60 s the action waits')
      expect(retryLines(run)).toEqual([])
      expect(calls).toBe(1)
    },
    60_000
  )
})

describe('a Retry-After the action honours', () => {
  it('(1 second) is waited for, then the retry registers', async () => {
    const { run, calls } = await unavailableOnce('1')
    expectRegistered(run, 2)
    expect(retryLines(run)).toEqual([
      expect.stringMatching(
        /^Register attempt 2 of 3 in 1\.0 s: code 133004 \(.*waiting as Retry-After asks\)/
      )
    ])
    expect(calls).toBe(2)
  }, 60_000)
})

describe('a negative or garbage Retry-After', () => {
  it.each([['-30'], ['in 5']])(
    '(%j) is ignored: normal backoff, then the retry registers',
    async value => {
      const { run, calls } = await unavailableOnce(value)
      expectRegistered(run, 2)
      const lines = retryLines(run)
      expect(lines).toHaveLength(1)
      const match = /^Register attempt 2 of 3 in ([0-9.]+) s: code 133004 \(.*backing off/.exec(
        lines[0]
      )
      expect(match).not.toBeNull()
      // The first backoff lies between half and all of the 1 s base.
      const seconds = Number(match?.[1])
      expect(seconds).toBeGreaterThanOrEqual(0.5)
      expect(seconds).toBeLessThanOrEqual(1)
      expect(calls).toBe(2)
    },
    60_000
  )
})
