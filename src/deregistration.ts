import type { GraphClient } from './graph.js'
import type { PhoneNumberReader, PhoneNumberState } from './phone-number.js'
import type { RetryEnvironment, Settled } from './retry.js'
import { provesNothing, sendScarceCall, type ScarceCallOutcome } from './scarce-call.js'

export interface DeregistrationContext {
  graph: GraphClient
  numbers: PhoneNumberReader
  settings: { phoneNumberId: string; retries: number; settleMs: number }
  env: RetryEnvironment
  /** Told `true` when a deregister call goes out and `false` once its outcome is known. */
  onOutcomeUnknown?: (unknown: boolean) => void
}

export type DeregistrationOutcome = ScarceCallOutcome

/**
 * Calls deregister (no body) at most 1 + retries times, and again only after a failure that a
 * retry can help: deregistering has its own budget of 10 calls per number per 72 hours (133016).
 * An attempt whose outcome is uncertain is settled by reading the number: a number no longer on
 * CLOUD_API has been deregistered; a retry goes out only once a read after the settle window shows
 * it still on CLOUD_API.
 */
export function deregisterWithRetries(
  context: DeregistrationContext
): Promise<DeregistrationOutcome> {
  const { graph, numbers, settings, env } = context
  return sendScarceCall({
    what: 'Deregister',
    send: () => graph.post(`${settings.phoneNumberId}/deregister`),
    maxAttempts: 1 + settings.retries,
    numbers,
    env,
    settleMs: settings.settleMs,
    prove: state => proveDeregistered(state, settings.phoneNumberId),
    settlingMessage: `The outcome of the deregister call is uncertain: reading the number until it is no longer on CLOUD_API, for up to ${settings.settleMs / 1000} s from the call.`,
    happenedMessage: 'The number is no longer on CLOUD_API: the deregister call went through.',
    ...(context.onOutcomeUnknown && { onOutcomeUnknown: context.onOutcomeUnknown })
  })
}

/** What one read proves about a deregister call that may have gone through. */
export function proveDeregistered(
  state: PhoneNumberState,
  phoneNumberId: string
): Settled<PhoneNumberState> {
  const nothing = provesNothing(state, phoneNumberId)
  if (nothing) return nothing
  return isDeregistered(state) ? { proved: 'happened', value: state } : { proved: 'not-happened' }
}

/** A number that reads as not on CLOUD_API has nothing to deregister. */
export function isDeregistered(state: PhoneNumberState): boolean {
  return state.platformType !== undefined && state.platformType !== 'CLOUD_API'
}
