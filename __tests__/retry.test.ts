import { describe, it, expect, jest } from '@jest/globals'
import type { Failure } from '../src/errors.js'
import { backoffDelay, decideRetry, DEFAULT_TIMING, type RetryTiming } from '../src/retry.js'

/** Default timing with a fixed random. */
function timing(random: number, changes: Partial<RetryTiming> = {}): RetryTiming {
  return { ...DEFAULT_TIMING, random: () => random, ...changes }
}

const TRANSIENT: Failure = {
  kind: 'http',
  message: 'HTTP 503 without a Graph error (empty body)',
  httpStatus: 503,
  transient: true,
  uncertain: false,
  neverRetry: false
}

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
  it('retries a transient failure with the backoff of this attempt', () => {
    expect(decideRetry(TRANSIENT, 1, 3, timing(0))).toEqual({
      retry: true,
      delayMs: 500,
      reason: 'transient error; backing off'
    })
    expect(decideRetry(TRANSIENT, 2, 3, timing(0))).toMatchObject({ retry: true, delayMs: 1000 })
  })

  it('stops when no attempts are left', () => {
    expect(decideRetry(TRANSIENT, 3, 3, timing(0))).toEqual({
      retry: false,
      reason: 'no attempts left (3 of 3 made)'
    })
    expect(decideRetry(TRANSIENT, 1, 1, timing(0)).retry).toBe(false)
  })

  it('does not retry a failure that is not transient', () => {
    expect(decideRetry({ ...TRANSIENT, transient: false }, 1, 3, timing(0))).toEqual({
      retry: false,
      reason: 'the error is not transient'
    })
  })

  it('lets never-retry win over transient, uncertain and Retry-After', () => {
    const decision = decideRetry(
      { ...TRANSIENT, uncertain: true, neverRetry: true, retryAfterMs: 0 },
      1,
      11,
      timing(0)
    )
    expect(decision.retry).toBe(false)
    expect(decision.reason).toMatch(/never retried/)
  })

  it('gives the never-retry reason even on the last attempt', () => {
    expect(decideRetry({ ...TRANSIENT, neverRetry: true }, 3, 3, timing(0)).reason).toMatch(
      /never retried/
    )
  })

  it('waits exactly as Retry-After asks, shorter or longer than the backoff', () => {
    const random = jest.fn(() => 0)
    const withRandom = { ...DEFAULT_TIMING, random }
    expect(decideRetry({ ...TRANSIENT, retryAfterMs: 0 }, 1, 3, withRandom)).toEqual({
      retry: true,
      delayMs: 0,
      reason: 'transient error; waiting as Retry-After asks'
    })
    expect(decideRetry({ ...TRANSIENT, retryAfterMs: 45_000 }, 1, 3, withRandom)).toMatchObject({
      retry: true,
      delayMs: 45_000
    })
    expect(random).not.toHaveBeenCalled()
  })

  it('honours Retry-After up to the cap and ends the retries above it', () => {
    const cap = DEFAULT_TIMING.maxRetryAfterMs
    expect(decideRetry({ ...TRANSIENT, retryAfterMs: cap }, 1, 3, timing(0))).toMatchObject({
      retry: true,
      delayMs: cap
    })
    expect(decideRetry({ ...TRANSIENT, retryAfterMs: cap + 1 }, 1, 3, timing(0))).toEqual({
      retry: false,
      reason: 'the server asks to wait 61 s (Retry-After), longer than the 60 s the action waits'
    })
  })

  it('does not let Retry-After add attempts', () => {
    expect(decideRetry({ ...TRANSIENT, retryAfterMs: 1000 }, 2, 2, timing(0)).retry).toBe(false)
  })

  it('does not retry a non-transient failure because of Retry-After', () => {
    expect(
      decideRetry({ ...TRANSIENT, transient: false, retryAfterMs: 1000 }, 1, 3, timing(0)).retry
    ).toBe(false)
  })
})
