/**
 * The deregister action: settings → the deregister step (read, guard, call, confirm) → outputs and
 * summary. Deregistering takes the number offline, turns local storage off, and registering again
 * needs the PIN: the summary says so whatever happened.
 */
import type { Progress } from '../cancellation.js'
import { isDeregistered } from '../deregistration.js'
import { logLongestRun, runFlow, type Flow, type FlowContext, type FlowOptions } from '../flow.js'
import { newFlowReport, traceIdOf } from '../flow-report.js'
import { longestCallRunMs } from '../longest-run.js'
import { readDeregisterSettings, type DeregisterSettings } from './inputs.js'
import { DEREGISTER_REPORTING, type DeregisterReport } from './report.js'
import { deregisterStep, type DeregisterOutcome } from './step.js'

const OFFLINE = 'The number sends and receives no messages until it is registered again.'
const STORAGE_OFF =
  'Local storage is off now: deregistering turns it off. To keep message content at rest in one country, register again with data-localization-region (storage can only be set while the number is not registered).'
const MAYBE_OFFLINE =
  'If the call went through, the number is offline until it is registered again, and its local storage is off (deregistering turns it off).'
const PIN_NEEDED =
  "Registering again needs the number's two-step verification PIN (the register action's pin input): a wrong PIN fails with 133005, and each number has 10 register calls per 72 hours. PIN lost? Turn two-step verification off in WhatsApp Manager first: the register call's PIN then becomes the number's PIN."

export const DEREGISTER: Flow<DeregisterSettings, DeregisterReport> = {
  readSettings: readDeregisterSettings,
  newReport: () => newFlowReport(),
  reporting: DEREGISTER_REPORTING,
  execute,
  cancelled
}

export function run(options: FlowOptions = {}): Promise<void> {
  return runFlow(DEREGISTER, options)
}

async function execute(
  context: FlowContext<DeregisterSettings>,
  report: DeregisterReport
): Promise<void> {
  const { settings, host } = context
  host.info(
    `Phone number ${settings.phoneNumberId}: deregistration, Graph API ${settings.apiVersion}.`
  )
  logLongestRun(
    host,
    longestCallRunMs({ ...settings, readAfter: true }, context.env.timing),
    'timeouts, retries, settle window, Retry-After'
  )
  const outcome = await deregisterStep(context, {
    confirmDisplayPhoneNumber: settings.confirmDisplayPhoneNumber,
    dryRun: settings.dryRun
  })
  applyOutcome(report, outcome)
  report.notes = notesFor(outcome)
}

/** Writes what the step found into the report. */
function applyOutcome(report: DeregisterReport, outcome: DeregisterOutcome): void {
  if (outcome.before) report.before = outcome.before
  switch (outcome.kind) {
    case 'refused':
      report.result = 'failed'
      report.errorMessage = outcome.message
      if (outcome.failure) {
        report.failure = outcome.failure
        report.httpStatus = outcome.failure.httpStatus
        report.fbtraceId = outcome.failure.fbtraceId
      }
      return
    case 'already-deregistered':
      report.result = 'already-deregistered'
      return
    case 'dry-run':
      report.result = 'dry-run'
      report.plannedRequest = outcome.plannedRequest
      return
    case 'deregistered':
    case 'failed':
    case 'uncertain':
      report.result = outcome.kind
      report.attempts = outcome.attempts
      if (outcome.after) report.after = outcome.after
      if (outcome.exchange) {
        report.httpStatus = outcome.exchange.status
        report.response = outcome.exchange.body
        report.fbtraceId = traceIdOf(outcome.exchange)
      }
      if (outcome.kind === 'deregistered') return
      report.failure = outcome.failure
      report.errorMessage = outcome.message
      report.fbtraceId = outcome.failure.fbtraceId ?? report.fbtraceId
      return
  }
}

/** What the person must know next: the number is offline, storage is off, the PIN is needed. */
function notesFor(outcome: DeregisterOutcome): string[] {
  switch (outcome.kind) {
    case 'deregistered':
      return [OFFLINE, STORAGE_OFF, PIN_NEEDED]
    case 'uncertain':
      return [MAYBE_OFFLINE, PIN_NEEDED]
    case 'dry-run':
      return isDeregistered(outcome.before)
        ? [PIN_NEEDED]
        : [
            'A real run deregisters the number: it goes offline until it is registered again, and its local storage is turned off.',
            PIN_NEEDED
          ]
    case 'already-deregistered':
      return [PIN_NEEDED]
    case 'refused':
    case 'failed':
      return []
  }
}

function cancelled(signal: NodeJS.Signals, progress: Progress, report: DeregisterReport): string {
  if (progress.outcomeUnknown) {
    report.result = 'uncertain'
    report.errorMessage = `Cancelled (${signal}) while a deregister call was in flight: its outcome is unknown. Before running again, check the number's platform (WhatsApp Manager, or this action with dry-run: true): a number no longer on CLOUD_API has been deregistered, and each further call spends one of its 10 deregister calls per 72 hours.`
    report.notes = [MAYBE_OFFLINE, PIN_NEEDED]
    return report.errorMessage
  }
  if (progress.carriedOut) {
    const message = `Cancelled (${signal}) after the number was deregistered: the deregister call went through; only the read afterwards was cut short.`
    report.result = 'deregistered'
    report.warnings.push(message)
    report.notes = [OFFLINE, STORAGE_OFF, PIN_NEEDED]
    return message
  }
  report.result = 'failed'
  report.errorMessage = `Cancelled (${signal}) with no deregister call in flight: no deregister call of this run can have changed the number.`
  return report.errorMessage
}
