import { describe, it, expect, jest } from '@jest/globals'
import type { Failure } from '../src/errors.js'
import {
  backoffDelay,
  decideRetry,
  DEFAULT_TIMING,
  withRetries,
  type AttemptResult,
  type RetryEnvironment,
  type RetryTiming
} from '../src/retry.js'
import { MAX_SETTLE_READ_INTERVAL_MS, settleByReading, settleReadInterval } from '../src/settle.js'

/** Default timing with a fixed random. */
function timing(random: number, changes: Partial<RetryTiming> = {}): RetryTiming {
  return { ...DEFAULT_TIMING, random: () => random, ...changes }
}

const RETRYABLE: Failure = {
  kind: 'http',
  message: 'HTTP 503 without a Graph error (empty body)',
  httpStatus: 503,
  next: 'retry'
}
const UNCERTAIN: Failure = { ...RETRYABLE, httpStatus: 504, next: 'settle' }

describe('backoffDelay', () => {
  it('waits between 0.5 s and 1 s before the first retry with the default timing', () => {
    expect(DEFAULT_TIMING.baseDelayMs).toBe(1000)
    expect(backoffDelay(1, timing(0))).toBe(500)
    expect(backoffDelay(1, timing(0.5))).toBe(750)
    expect(backoffDelay(1, timing(0.999999))).toBe(1000)
  })

  it.each([
    [2, 1000, 2000],
    [3, 2000, 4000],
    [5, 8000, 16_000],
    [6, 15_000, 30_000],
    [10, 15_000, 30_000]
  ])('doubles up to the cap: retry %i waits %i to %i ms', (retry, low, high) => {
    expect(backoffDelay(retry, timing(0))).toBe(low)
    expect(backoffDelay(retry, timing(0.999999))).toBe(high)
  })

  it('stays at the cap for an absurd retry number', () => {
    const delay = backoffDelay(5000, timing(0.999999))
    expect(delay).toBe(DEFAULT_TIMING.maxDelayMs)
  })

  it('draws one random number per delay', () => {
    const random = jest.fn(() => 0.25)
    expect(backoffDelay(3, { ...DEFAULT_TIMING, random })).toBe(2500)
    expect(random).toHaveBeenCalledTimes(1)
  })

  it('waits nothing with a zero timing', () => {
    expect(backoffDelay(4, timing(0.7, { baseDelayMs: 0, maxDelayMs: 0 }))).toBe(0)
  })
})

describe('decideRetry', () => {
  it('retries a retryable failure with the backoff of this attempt', () => {
    expect(decideRetry(RETRYABLE, 1, 3, timing(0))).toEqual({
      retry: true,
      delayMs: 500,
      reason: 'backing off'
    })
    expect(decideRetry(RETRYABLE, 2, 3, timing(0))).toMatchObject({ retry: true, delayMs: 1000 })
  })

  it('stops when no attempts are left', () => {
    expect(decideRetry(RETRYABLE, 3, 3, timing(0))).toEqual({
      retry: false,
      reason: 'no attempts left (3 of 3 made)'
    })
    expect(decideRetry(RETRYABLE, 1, 1, timing(0)).retry).toBe(false)
  })

  it('lets stop win over Retry-After and attempts left, even on the last attempt', () => {
    const stop: Failure = { ...RETRYABLE, next: 'stop', retryAfterMs: 0 }
    expect(decideRetry(stop, 1, 11, timing(0))).toEqual({
      retry: false,
      reason: 'a retry cannot help with this error'
    })
    expect(decideRetry(stop, 3, 3, timing(0)).reason).toBe('a retry cannot help with this error')
  })

  it('waits exactly as Retry-After asks, shorter or longer than the backoff', () => {
    const random = jest.fn(() => 0)
    const withRandom = { ...DEFAULT_TIMING, random }
    expect(decideRetry({ ...RETRYABLE, retryAfterMs: 0 }, 1, 3, withRandom)).toEqual({
      retry: true,
      delayMs: 0,
      reason: 'waiting as Retry-After asks'
    })
    expect(decideRetry({ ...RETRYABLE, retryAfterMs: 45_000 }, 1, 3, withRandom)).toMatchObject({
      retry: true,
      delayMs: 45_000
    })
    expect(random).not.toHaveBeenCalled()
  })

  it('honours Retry-After up to the cap and ends the retries above it', () => {
    const cap = DEFAULT_TIMING.maxRetryAfterMs
    expect(decideRetry({ ...RETRYABLE, retryAfterMs: cap }, 1, 3, timing(0))).toMatchObject({
      retry: true,
      delayMs: cap
    })
    expect(decideRetry({ ...RETRYABLE, retryAfterMs: cap + 1 }, 1, 3, timing(0))).toEqual({
      retry: false,
      reason: 'the server asks to wait 61 s (Retry-After), longer than the 60 s the action waits'
    })
  })

  it('does not let Retry-After add attempts', () => {
    expect(decideRetry({ ...RETRYABLE, retryAfterMs: 1000 }, 2, 2, timing(0)).retry).toBe(false)
  })
})

/** A loop environment on a fake clock: sleeping moves the clock, nothing really waits. */
function fakeEnvironment(random = 0) {
  let clock = 1_000_000
  const sleeps: number[] = []
  const log: string[] = []
  const env: RetryEnvironment = {
    timing: timing(random),
    now: () => clock,
    sleep: ms => {
      sleeps.push(ms)
      clock += ms
      return Promise.resolve()
    },
    log: message => log.push(message)
  }
  return { env, sleeps, log, advance: (ms: number) => (clock += ms), now: () => clock }
}

const fails = (failure: Failure): AttemptResult<string> => ({ ok: false, failure })
const succeeds = (value: string): AttemptResult<string> => ({ ok: true, value })

describe('withRetries', () => {
  it('returns the first success with the number of attempts made', async () => {
    const { env, sleeps, log } = fakeEnvironment()
    const results = [fails(RETRYABLE), succeeds('done')]
    const outcome = await withRetries(
      { what: 'Read', maxAttempts: 3, attempt: () => Promise.resolve(results.shift()!) },
      env
    )
    expect(outcome).toEqual({ ok: true, value: 'done', attempts: 2 })
    expect(sleeps).toEqual([500])
    expect(log).toEqual(['Read attempt 2 of 3 in 0.5 s: HTTP 503 (backing off).'])
  })

  it('stops at once on a failure a retry cannot help, without waiting', async () => {
    const { env, sleeps } = fakeEnvironment()
    const attempt = jest.fn(() => Promise.resolve(fails({ ...RETRYABLE, next: 'stop' })))
    const outcome = await withRetries({ what: 'Register', maxAttempts: 3, attempt }, env)
    expect(outcome).toMatchObject({ ok: false, attempts: 1, uncertain: false })
    expect(attempt).toHaveBeenCalledTimes(1)
    expect(sleeps).toEqual([])
  })

  it('makes at most maxAttempts attempts and does not sleep after the last', async () => {
    const { env, sleeps } = fakeEnvironment()
    const attempt = jest.fn(() => Promise.resolve(fails(RETRYABLE)))
    const outcome = await withRetries({ what: 'Register', maxAttempts: 3, attempt }, env)
    expect(outcome).toMatchObject({
      ok: false,
      attempts: 3,
      reason: 'no attempts left (3 of 3 made)'
    })
    expect(attempt).toHaveBeenCalledTimes(3)
    expect(sleeps).toHaveLength(2)
  })

  it('retries a settle failure like any other when there is nothing to settle (reads)', async () => {
    const { env } = fakeEnvironment()
    const results = [fails(UNCERTAIN), succeeds('read')]
    const outcome = await withRetries(
      { what: 'Read', maxAttempts: 2, attempt: () => Promise.resolve(results.shift()!) },
      env
    )
    expect(outcome).toMatchObject({ ok: true, attempts: 2 })
  })

  it('settles an uncertain attempt from the time it was sent, and takes its proof', async () => {
    const { env, advance } = fakeEnvironment()
    const sentAts: number[] = []
    const attempt = jest.fn(() => {
      advance(4000)
      return Promise.resolve(fails(UNCERTAIN))
    })
    const outcome = await withRetries(
      {
        what: 'Register',
        maxAttempts: 3,
        attempt,
        settle: (_failure, sentAt) => {
          sentAts.push(sentAt)
          return Promise.resolve({ proved: 'happened', value: 'settled' })
        }
      },
      env
    )
    expect(outcome).toEqual({ ok: true, value: 'settled', attempts: 1 })
    expect(sentAts).toEqual([1_000_000])
    expect(attempt).toHaveBeenCalledTimes(1)
  })

  it('ends uncertain, without a retry, when settling proves nothing', async () => {
    const { env } = fakeEnvironment()
    const attempt = jest.fn(() => Promise.resolve(fails(UNCERTAIN)))
    const outcome = await withRetries(
      {
        what: 'Register',
        maxAttempts: 3,
        attempt,
        settle: () => Promise.resolve({ proved: 'nothing', why: 'the read failed' })
      },
      env
    )
    expect(outcome).toMatchObject({
      ok: false,
      attempts: 1,
      uncertain: true,
      reason: 'the read failed'
    })
    expect(attempt).toHaveBeenCalledTimes(1)
  })

  it('retries once settling proves the attempt did not happen', async () => {
    const { env } = fakeEnvironment()
    const results = [fails(UNCERTAIN), succeeds('second')]
    const settle = jest.fn(() => Promise.resolve({ proved: 'not-happened' as const }))
    const outcome = await withRetries(
      {
        what: 'Register',
        maxAttempts: 2,
        attempt: () => Promise.resolve(results.shift()!),
        settle
      },
      env
    )
    expect(outcome).toMatchObject({ ok: true, value: 'second', attempts: 2 })
    expect(settle).toHaveBeenCalledTimes(1)
  })
})

describe('settleByReading', () => {
  it('reads once and stops at once when the first read proves it happened', async () => {
    const { env, sleeps, now } = fakeEnvironment()
    const probe = jest.fn(() => Promise.resolve({ proved: 'happened' as const, value: 1 }))
    expect(await settleByReading(probe, now(), 30_000, env)).toEqual({
      proved: 'happened',
      value: 1
    })
    expect(probe).toHaveBeenCalledTimes(1)
    expect(sleeps).toEqual([])
  })

  it('keeps reading every interval until the state changes, within one interval of it', async () => {
    const { env, sleeps, now } = fakeEnvironment()
    const sentAt = now()
    const changesAt = sentAt + 10_000
    const probe = jest.fn(() =>
      Promise.resolve(
        now() >= changesAt
          ? { proved: 'happened' as const, value: now() - changesAt }
          : { proved: 'not-happened' as const }
      )
    )
    const settled = await settleByReading(probe, sentAt, 30_000, env)
    expect(settled.proved).toBe('happened')
    expect(settled.proved === 'happened' && settled.value).toBeLessThanOrEqual(
      MAX_SETTLE_READ_INTERVAL_MS
    )
    expect(sleeps.every(ms => ms <= MAX_SETTLE_READ_INTERVAL_MS)).toBe(true)
  })

  it('decides from a read made after the window, not from an earlier one', async () => {
    const { env, now } = fakeEnvironment()
    const sentAt = now()
    const readAt: number[] = []
    const probe = jest.fn(() => {
      readAt.push(now())
      return Promise.resolve(
        now() >= sentAt + 5000
          ? { proved: 'nothing' as const, why: 'the read failed' }
          : { proved: 'not-happened' as const }
      )
    })
    expect(await settleByReading(probe, sentAt, 5000, env)).toEqual({
      proved: 'nothing',
      why: 'the read failed'
    })
    expect(readAt.at(-1)).toBeGreaterThanOrEqual(sentAt + 5000)
  })

  it('with a zero window reads exactly once', async () => {
    const { env, now } = fakeEnvironment()
    const probe = jest.fn(() => Promise.resolve({ proved: 'not-happened' as const }))
    expect(await settleByReading(probe, now(), 0, env)).toEqual({ proved: 'not-happened' })
    expect(probe).toHaveBeenCalledTimes(1)
  })

  it.each([
    [0, 500],
    [5000, 500],
    [10_000, 1000],
    [30_000, 3000],
    [300_000, 3000]
  ])('reads every %i ms window at an interval of %i ms', (windowMs, interval) => {
    expect(settleReadInterval(windowMs)).toBe(interval)
  })
})
