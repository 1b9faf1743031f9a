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

/** Time and the log, passed in so that tests run without waiting. */
export interface RetryEnvironment {
  timing: RetryTiming
  sleep: (ms: number) => Promise<void>
  now: () => number
  log: (message: string) => void
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

/**
 * Whether to try again after `failure` on attempt `attempt` of `maxAttempts`, and how long to
 * wait. A `settle` failure reaches here only once reading has shown that the call did not happen.
 */
export function decideRetry(
  failure: Failure,
  attempt: number,
  maxAttempts: number,
  timing: RetryTiming
): RetryDecision {
  if (failure.next === 'stop')
    return { retry: false, reason: 'a retry cannot help with this error' }
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
    return { retry: true, delayMs: failure.retryAfterMs, reason: 'waiting as Retry-After asks' }
  }
  return { retry: true, delayMs: backoffDelay(attempt, timing), reason: 'backing off' }
}

/** One attempt's result: a value, or a classified failure. */
export type AttemptResult<T> = { ok: true; value: T } | { ok: false; failure: Failure }

/** What reading the state after an uncertain attempt proved. */
export type Settled<T> =
  | { proved: 'happened'; value: T }
  | { proved: 'not-happened' }
  /** `final`: no later read can prove more (the state was already the one a success gives). */
  | { proved: 'nothing'; why: string; final?: boolean }

export interface RetryLoop<T> {
  /** What one attempt is, for the log: `Register`, `Read`. */
  what: string
  maxAttempts: number
  attempt: (attempt: number) => Promise<AttemptResult<T>>
  /**
   * Settles an attempt that may have been carried out, from the time it was sent. Without it
   * (reads change nothing), such a failure is retried like any other.
   */
  settle?: (failure: Failure, sentAt: number) => Promise<Settled<T>>
}

export type LoopOutcome<T> =
  | { ok: true; value: T; attempts: number }
  | {
      ok: false
      failure: Failure
      attempts: number
      /** Why the loop stopped, for a person. */
      reason: string
      /** The last attempt may have been carried out, and nothing proved either way. */
      uncertain: boolean
    }

/**
 * The one retry loop: attempt, classify, settle what may have happened, back off or honour
 * `Retry-After`, and stop on the first failure a retry cannot help.
 */
export async function withRetries<T>(
  loop: RetryLoop<T>,
  env: RetryEnvironment
): Promise<LoopOutcome<T>> {
  for (let attempt = 1; ; attempt++) {
    const sentAt = env.now()
    const result = await loop.attempt(attempt)
    if (result.ok) return { ok: true, value: result.value, attempts: attempt }
    const { failure } = result
    if (failure.next === 'settle' && loop.settle) {
      const settled = await loop.settle(failure, sentAt)
      if (settled.proved === 'happened')
        return { ok: true, value: settled.value, attempts: attempt }
      if (settled.proved === 'nothing') {
        return { ok: false, failure, attempts: attempt, reason: settled.why, uncertain: true }
      }
    }
    const decision = decideRetry(failure, attempt, loop.maxAttempts, env.timing)
    if (!decision.retry) {
      return { ok: false, failure, attempts: attempt, reason: decision.reason, uncertain: false }
    }
    env.log(
      `${loop.what} attempt ${attempt + 1} of ${loop.maxAttempts} in ${(decision.delayMs / 1000).toFixed(1)} s: ${failureLabel(failure)} (${decision.reason}).`
    )
    await env.sleep(decision.delayMs)
  }
}

function failureLabel(failure: Failure): string {
  if (failure.kind === 'graph') return `code ${failure.code ?? '?'}`
  if (failure.httpStatus !== undefined) return `HTTP ${failure.httpStatus}`
  return 'network failure'
}
