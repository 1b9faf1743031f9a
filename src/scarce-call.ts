import { classifyNetworkFailure, classifyResponse, isSuccess, type Failure } from './errors.js'
import { NetworkFailure, type HttpExchange } from './graph.js'
import type { PhoneNumberReader, PhoneNumberState } from './phone-number.js'
import { withRetries, type AttemptResult, type RetryEnvironment, type Settled } from './retry.js'
import { settleByReading } from './settle.js'

/**
 * A call that changes the number and spends a scarce budget (register, deregister: 10 per number
 * per 72 hours). It is sent at most `maxAttempts` times, again only after a failure a retry can
 * help, and never blind: an attempt whose outcome is uncertain is settled by reading the number.
 */
export interface ScarceCall {
  /** The call for the retry log, capitalised: `Register`, `Deregister`. */
  what: string
  /** Sends the call once; a NetworkFailure is classified, anything else is a bug and thrown. */
  send: () => Promise<HttpExchange>
  maxAttempts: number
  numbers: PhoneNumberReader
  env: RetryEnvironment
  /** How long after an uncertain attempt was sent a read may still show it carried out. */
  settleMs: number
  /** What one read of the number proves about an attempt that may have been carried out. */
  prove: (state: PhoneNumberState) => Settled<PhoneNumberState>
  /** Logged when settling starts, and when a read proves that the call went through. */
  settlingMessage: string
  happenedMessage: string
  /**
   * Told `true` when the call goes out and `false` once its outcome is known, so that a
   * cancellation in between can say that the outcome is unknown.
   */
  onOutcomeUnknown?: (unknown: boolean) => void
}

export type ScarceCallOutcome =
  | {
      ok: true
      attempts: number
      /** The success response; absent when a read confirmed an uncertain attempt. */
      exchange?: HttpExchange
      /** The state read after an uncertain attempt that showed the call carried out. */
      confirmedState?: PhoneNumberState
    }
  | {
      ok: false
      attempts: number
      failure: Failure
      /** The last response, when the last attempt got one. */
      exchange?: HttpExchange
      /** The last state read while settling, when a read proved something. */
      observedState?: PhoneNumberState
      /** The call may have gone through and no read proved either way. */
      uncertain: boolean
      reason: string
    }

type Value = { exchange?: HttpExchange; confirmedState?: PhoneNumberState }

/** Runs a scarce call through the one retry loop, with reading as its settle step. */
export async function sendScarceCall(call: ScarceCall): Promise<ScarceCallOutcome> {
  const { numbers, env } = call
  const outcomeUnknown = (unknown: boolean): void => call.onOutcomeUnknown?.(unknown)
  let lastExchange: HttpExchange | undefined
  let observedState: PhoneNumberState | undefined
  const attemptOnce = async (): Promise<AttemptResult<Value>> => {
    try {
      const exchange = await call.send()
      lastExchange = exchange
      if (isSuccess(exchange)) return { ok: true, value: { exchange } }
      return { ok: false, failure: classifyResponse(exchange) }
    } catch (error) {
      if (!(error instanceof NetworkFailure)) throw error
      return { ok: false, failure: classifyNetworkFailure(error) }
    }
  }
  const outcome = await withRetries<Value>(
    {
      what: call.what,
      maxAttempts: call.maxAttempts,
      attempt: async () => {
        lastExchange = undefined
        outcomeUnknown(true)
        const result = await attemptOnce()
        if (result.ok || result.failure.next !== 'settle') outcomeUnknown(false)
        return result
      },
      settle: async (_failure, sentAt) => {
        env.log(call.settlingMessage)
        const settled = await settleByReading(
          async (): Promise<Settled<PhoneNumberState>> => {
            const read = await numbers.read()
            if (!read.ok) {
              return {
                proved: 'nothing',
                why: `the number could not be read: ${read.failure.message.replace(/\.$/, '')}`
              }
            }
            const proof = call.prove(read.state)
            // A read that proves nothing (another id, no platform) says nothing of this number.
            if (proof.proved !== 'nothing') observedState = read.state
            return proof
          },
          sentAt,
          call.settleMs,
          env
        )
        if (settled.proved !== 'nothing') outcomeUnknown(false)
        if (settled.proved === 'happened') {
          env.log(call.happenedMessage)
          return { proved: 'happened', value: { confirmedState: settled.value } }
        }
        return settled
      }
    },
    env
  )
  if (outcome.ok) return { ok: true, attempts: outcome.attempts, ...outcome.value }
  return {
    ok: false,
    attempts: outcome.attempts,
    failure: outcome.failure,
    ...(lastExchange && { exchange: lastExchange }),
    ...(observedState && { observedState }),
    uncertain: outcome.uncertain,
    reason: outcome.reason
  }
}

/**
 * What a read can prove of any call on this number: nothing when it answered for another id or
 * did not say the platform and status.
 */
export function provesNothing(
  state: PhoneNumberState,
  phoneNumberId: string
): { proved: 'nothing'; why: string } | undefined {
  if (state.id !== undefined && state.id !== phoneNumberId) {
    return { proved: 'nothing', why: 'the read answered for another id' }
  }
  if (state.platformType === undefined || state.status === undefined) {
    return { proved: 'nothing', why: 'the read did not say the platform and status' }
  }
  return undefined
}
