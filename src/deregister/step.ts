/**
 * The deregister step: read the number, check it is the one meant and can be deregistered, call
 * deregister (a scarce call, settled by reading when its outcome is uncertain), and confirm by a
 * read. The deregister action runs it alone; a flow that goes on afterwards (a storage-region
 * change: deregister, settings, register) runs it with its own context and reads the typed outcome.
 */
import { markCarriedOut, trackOutcome, type Progress } from '../cancellation.js'
import { deregisterWithRetries, isDeregistered } from '../deregistration.js'
import type { Failure } from '../errors.js'
import { logState, plural } from '../flow.js'
import type { GraphClient, HttpExchange } from '../graph.js'
import type { Host } from '../host.js'
import type { PhoneNumberReader, PhoneNumberState } from '../phone-number.js'
import type { Redactor } from '../redact.js'
import { describeFailure } from '../report.js'
import type { RetryEnvironment } from '../retry.js'

/** What the step needs; the register flow's context has all of it. */
export interface DeregisterContext {
  settings: {
    phoneNumberId: string
    apiVersion: string
    graphApiUrl: string
    retries: number
    settleMs: number
  }
  graph: GraphClient
  numbers: PhoneNumberReader
  env: RetryEnvironment
  progress: Progress
  redactor: Redactor
  host: Host
  /** Logs a warning and keeps it for the summary. */
  warn: (message: string) => void
}

export interface DeregisterRequest {
  /**
   * The display phone number the caller means, compared digits only with what Graph reports: a
   * mismatch refuses before any write, so that a wrong id cannot take down another number.
   */
  confirmDisplayPhoneNumber?: string
  /** Read the number and plan, but never call deregister. */
  dryRun: boolean
  /** The state the caller has just read; without it, the step reads the number first. */
  before?: PhoneNumberState
}

/** What the step did; no deregister call was made unless `attempts` says so. */
export type DeregisterOutcome =
  | {
      kind: 'deregistered'
      before: PhoneNumberState
      /** The state read afterwards, when a read worked. */
      after?: PhoneNumberState
      /** A read afterwards shows the number off CLOUD_API. */
      confirmed: boolean
      attempts: number
      /** The success response; absent when a read confirmed an uncertain attempt. */
      exchange?: HttpExchange
    }
  | { kind: 'already-deregistered'; before: PhoneNumberState }
  | { kind: 'dry-run'; before: PhoneNumberState; plannedRequest: string }
  /** Stopped before any deregister call: the read failed, or the checks refused the number. */
  | { kind: 'refused'; before?: PhoneNumberState; failure?: Failure; message: string }
  | {
      kind: 'failed' | 'uncertain'
      before: PhoneNumberState
      /** The last state a read proved something with, while settling. */
      after?: PhoneNumberState
      attempts: number
      failure: Failure
      exchange?: HttpExchange
      message: string
    }

/** Only the digits: `+1 (555) 010-0` and `15550100` are the same number. */
export function phoneDigits(text: string): string {
  return text.replace(/[^0-9]/g, '')
}

/** Why the number must not be deregistered, or undefined when it may be. */
export function refusal(
  before: PhoneNumberState,
  phoneNumberId: string,
  confirmDisplayPhoneNumber: string | undefined
): string | undefined {
  if (confirmDisplayPhoneNumber !== undefined) {
    const shown = before.displayPhoneNumber
    if (shown === undefined || phoneDigits(shown) === '') {
      return `Graph did not say the display phone number of phone-number-id ${phoneNumberId}, so confirm-display-phone-number cannot be checked. No deregister call was made.`
    }
    if (phoneDigits(shown) !== phoneDigits(confirmDisplayPhoneNumber)) {
      return `phone-number-id ${phoneNumberId} is ${shown} according to Graph, not the number confirm-display-phone-number gives (${confirmDisplayPhoneNumber}; digits compared). No deregister call was made: check that phone-number-id and confirm-display-phone-number name the same number.`
    }
  }
  if (before.isOnBizApp === true) {
    return 'The number is also used in the WhatsApp Business app (coexistence): Meta does not allow deregistering it through the Cloud API. No deregister call was made.'
  }
  return undefined
}

/** Reads (unless given the state), checks, deregisters, and confirms by reading. */
export async function deregisterStep(
  context: DeregisterContext,
  request: DeregisterRequest
): Promise<DeregisterOutcome> {
  const { settings, host } = context
  let before = request.before
  if (before === undefined) {
    const read = await context.numbers.readWithRetries(1 + settings.retries, context.env)
    if (!read.ok) {
      return {
        kind: 'refused',
        failure: read.failure,
        message: describeFailure(
          'Reading the number failed (no deregister call was made)',
          read.failure
        )
      }
    }
    before = read.state
    logState(context, 'Before', before)
  }
  const refused = refusal(before, settings.phoneNumberId, request.confirmDisplayPhoneNumber)
  if (refused !== undefined) return { kind: 'refused', before, message: refused }
  if (request.confirmDisplayPhoneNumber !== undefined) {
    host.info('confirm-display-phone-number matches the number Graph reports.')
  }
  if (before.platformType === undefined) {
    return {
      kind: 'refused',
      before,
      message:
        'The read of the number did not say its platform, so whether it is registered is unknown. No deregister call was made.'
    }
  }
  const registered = !isDeregistered(before)
  if (request.dryRun) {
    const plannedRequest = registered
      ? `POST ${settings.graphApiUrl}/${settings.apiVersion}/${settings.phoneNumberId}/deregister (no body)`
      : `Nothing: the number is not on CLOUD_API (platform ${before.platformType}), so a real run would leave it alone.`
    host.info(`Dry run: no deregister call. A real run would send: ${plannedRequest}`)
    return { kind: 'dry-run', before, plannedRequest }
  }
  if (!registered) {
    host.info(
      `The number is not on CLOUD_API (platform ${before.platformType}, status ${before.status ?? '?'}): nothing to deregister, no deregister call made.`
    )
    return { kind: 'already-deregistered', before }
  }

  const outcome = await deregisterWithRetries({
    ...context,
    onOutcomeUnknown: unknown => trackOutcome(context.progress, unknown)
  })
  const calls = `${plural(outcome.attempts, 'deregister call')} made`
  if (!outcome.ok) {
    const { failure } = outcome
    const common = {
      before,
      attempts: outcome.attempts,
      failure,
      ...(outcome.observedState && { after: outcome.observedState }),
      ...(outcome.exchange && { exchange: outcome.exchange })
    }
    if (outcome.uncertain) {
      return {
        kind: 'uncertain',
        ...common,
        message: describeFailure(
          'The outcome of the deregister call is uncertain',
          failure,
          `The call may still have gone through, and nothing settled it: ${outcome.reason}.\nBefore running again, check the number's platform (WhatsApp Manager, or this action with dry-run: true): a number no longer on CLOUD_API has been deregistered, and each further call spends one of its 10 deregister calls per 72 hours (${calls}).`
        )
      }
    }
    return {
      kind: 'failed',
      ...common,
      message: describeFailure(
        'Deregister failed',
        failure,
        `Not retried: ${outcome.reason} (${calls}).`
      )
    }
  }
  markCarriedOut(context.progress)
  host.info(`Deregistered after ${plural(outcome.attempts, 'deregister call')}.`)
  // An uncertain call settled by a read has already shown the new state.
  const after = outcome.confirmedState ?? (await readAfter(context))
  return {
    kind: 'deregistered',
    before,
    ...(after && { after }),
    confirmed: after !== undefined && isDeregistered(after),
    attempts: outcome.attempts,
    ...(outcome.exchange && { exchange: outcome.exchange })
  }
}

/** Reads the number once more to report its new state; a failure here only warns. */
async function readAfter(context: DeregisterContext): Promise<PhoneNumberState | undefined> {
  const read = await context.numbers.read()
  if (!read.ok) {
    context.warn(
      describeFailure('Deregistered, but reading the number afterwards failed', read.failure)
    )
    return undefined
  }
  logState(context, 'After', read.state)
  if (!isDeregistered(read.state)) {
    context.warn(
      `Deregistered, but the number still reports platform ${read.state.platformType ?? 'unknown'}: the switch can take a few seconds; check it in WhatsApp Manager before registering again.`
    )
  }
  return read.state
}
