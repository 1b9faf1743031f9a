/**
 * The set-pin action: settings → read the number → only a registered number gets the new PIN →
 * outputs and summary. The summary's first words: store the new PIN where the register step reads
 * it, before anything else.
 */
import type { Progress } from '../cancellation.js'
import {
  logLongestRun,
  logState,
  plural,
  runFlow,
  type Flow,
  type FlowContext,
  type FlowOptions
} from '../flow.js'
import { newFlowReport, traceIdOf } from '../flow-report.js'
import { longestCallRunMs } from '../longest-run.js'
import { isRegistered } from '../phone-number.js'
import { setPinWithRetries } from '../pin.js'
import { describeFailure } from '../report.js'
import { readSetPinSettings, type SetPinSettings } from './inputs.js'
import { SET_PIN_REPORTING, type SetPinReport } from './report.js'

const STORE_IT =
  "Before anything else, store the new PIN where the register step reads it (such as the WA_PIN secret): the number's PIN is the new one now, and a register call with the old PIN fails with 133005 (each number has 10 register calls per 72 hours)."
const STORE_IT_AFTER_A_REAL_RUN =
  'A real run changes the PIN: right after it, before anything else, store the new PIN where the register step reads it (such as the WA_PIN secret).'
const MAY_HAVE_CHANGED =
  'The PIN may be the new one or still the old one: before anything else, run set-pin again with the same new-pin (setting the same PIN twice is harmless), then store it where the register step reads it. Keep the old PIN until then.'
const NOT_CHANGED = 'The PIN was not changed: the register step still needs the old PIN.'

export const SET_PIN: Flow<SetPinSettings, SetPinReport> = {
  readSettings: readSetPinSettings,
  newReport: () => newFlowReport(),
  reporting: SET_PIN_REPORTING,
  execute,
  cancelled
}

export function run(options: FlowOptions = {}): Promise<void> {
  return runFlow(SET_PIN, options)
}

async function execute(context: FlowContext<SetPinSettings>, report: SetPinReport): Promise<void> {
  const { settings, host } = context
  host.info(
    `Phone number ${settings.phoneNumberId}: two-step verification PIN change, Graph API ${settings.apiVersion}.`
  )
  logLongestRun(
    host,
    longestCallRunMs({ ...settings, readAfter: false }, context.env.timing),
    'timeouts, retries, Retry-After'
  )

  const read = await context.numbers.readWithRetries(1 + settings.retries, context.env)
  if (!read.ok) {
    report.failure = read.failure
    report.httpStatus = read.failure.httpStatus
    report.fbtraceId = read.failure.fbtraceId
    report.errorMessage = describeFailure(
      'Reading the number failed (the PIN was not changed)',
      read.failure
    )
    return
  }
  const before = read.state
  report.before = before
  logState(context, 'Before', before)
  if (!isRegistered(before)) {
    report.errorMessage = `The number is not registered (platform ${before.platformType ?? '?'}, status ${before.status ?? '?'}): a PIN can only be set on a number on CLOUD_API and CONNECTED, so no call was made and the PIN was not changed. When the number has no PIN yet, the PIN given to the register call becomes its PIN: register it with the new PIN (the register action's pin input) instead.`
    return
  }
  if (settings.dryRun) {
    report.result = 'dry-run'
    report.plannedRequest = `POST ${settings.graphApiUrl}/${settings.apiVersion}/${settings.phoneNumberId} with pin`
    report.notes = [STORE_IT_AFTER_A_REAL_RUN]
    host.info(`Dry run: no PIN change. A real run would send: ${report.plannedRequest}`)
    return
  }

  const outcome = await setPinWithRetries(context, settings.newPin)
  report.attempts = outcome.attempts
  if (outcome.exchange) {
    report.httpStatus = outcome.exchange.status
    report.response = outcome.exchange.body
    report.fbtraceId = traceIdOf(outcome.exchange)
  }
  const calls = `${plural(outcome.attempts, 'PIN call')} made`
  if (outcome.ok) {
    report.result = 'pin-set'
    report.notes = [STORE_IT]
    host.info(`PIN set after ${plural(outcome.attempts, 'call')}.`)
    return
  }
  report.failure = outcome.failure
  report.fbtraceId = outcome.failure.fbtraceId ?? report.fbtraceId
  if (outcome.mayHaveChanged) {
    report.errorMessage = describeFailure(
      'The outcome of the PIN change is unknown',
      outcome.failure,
      `A call may have gone through, and the PIN cannot be read back: ${outcome.reason} (${calls}).\n${MAY_HAVE_CHANGED}`
    )
    report.notes = [MAY_HAVE_CHANGED]
    return
  }
  report.errorMessage = describeFailure(
    'Setting the PIN failed',
    outcome.failure,
    `Not retried: ${outcome.reason} (${calls}).`
  )
  report.notes = [NOT_CHANGED]
}

function cancelled(signal: NodeJS.Signals, progress: Progress, report: SetPinReport): string {
  if (progress.carriedOut) {
    const message = `Cancelled (${signal}) after the PIN was set: the call went through.`
    report.result = 'pin-set'
    report.warnings.push(message)
    report.notes = [STORE_IT]
    return message
  }
  report.result = 'failed'
  if (progress.outcomeUnknown) {
    report.errorMessage = `Cancelled (${signal}) while a PIN change was in flight: its outcome is unknown. ${MAY_HAVE_CHANGED}`
    report.notes = [MAY_HAVE_CHANGED]
  } else {
    report.errorMessage = `Cancelled (${signal}) with no PIN change in flight: this run did not change the PIN.`
  }
  return report.errorMessage
}
