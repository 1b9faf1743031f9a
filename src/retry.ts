import type { Failure } from './errors.js'

/** Timing of retries; tests pass zero waits and a fixed random. */
export interface RetryTiming {
  /** Wait before the first retry, before jitter. */
  baseDelayMs: number
  /** Longest backoff wait. */
  maxDelayMs: number
  /** Longest `Retry-After` honoured; a server asking for more ends the retries. */
  maxRetryAfterMs: number
  /** Source of jitter in [0, 1). */
  random: () => number
}

export const DEFAULT_TIMING: RetryTiming = {
  baseDelayMs: 1000,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 60_000,
  random: Math.random
}

export type RetryDecision =
  { retry: true; delayMs: number; reason: string } | { retry: false; reason: string }

/**
 * Exponential backoff with jitter: the n-th retry waits between half and all of
 * base × 2^(n-1), capped. Jitter spreads a matrix of numbers that fail together.
 */
export function backoffDelay(retryNumber: number, timing: RetryTiming): number {
  const ceiling = Math.min(timing.maxDelayMs, timing.baseDelayMs * 2 ** (retryNumber - 1))
  return Math.round(ceiling / 2 + (timing.random() * ceiling) / 2)
}

/** Whether to try again after `failure` on attempt `attempt` of `maxAttempts`, and how long to wait. */
export function decideRetry(
  failure: Failure,
  attempt: number,
  maxAttempts: number,
  timing: RetryTiming
): RetryDecision {
  if (failure.neverRetry) {
    return {
      retry: false,
      reason: 'this error is never retried: a retry cannot help and spends a register call'
    }
  }
  if (!failure.transient) return { retry: false, reason: 'the error is not transient' }
  if (attempt >= maxAttempts) {
    return { retry: false, reason: `no attempts left (${attempt} of ${maxAttempts} made)` }
  }
  if (failure.retryAfterMs !== undefined) {
    if (failure.retryAfterMs > timing.maxRetryAfterMs) {
      return {
        retry: false,
        reason: `the server asks to wait ${Math.ceil(failure.retryAfterMs / 1000)} s (Retry-After), longer than the ${timing.maxRetryAfterMs / 1000} s the action waits`
      }
    }
    return {
      retry: true,
      delayMs: failure.retryAfterMs,
      reason: 'transient error; waiting as Retry-After asks'
    }
  }
  return {
    retry: true,
    delayMs: backoffDelay(attempt, timing),
    reason: 'transient error; backing off'
  }
}
