import type * as core from '@actions/core'
import type { Host } from './host.js'
import type { Redactor } from './redact.js'
import { MAX_MESSAGE_LENGTH, outputsOf, ownText, succeeded, type RunReport } from './report.js'
import { buildSummary } from './summary.js'

type Summary = typeof core.summary

/** How one action turns its report into outputs, a failure and a summary. */
export interface Reporting<T> {
  outputs(report: T, redactor: Redactor): Record<string, string>
  succeeded(report: T): boolean
  /** What happened to the number, for a failure that comes after it. */
  outcome(report: T): string
  /** What the job fails with when the run did not succeed. Not yet redacted. */
  failureMessage(report: T): string
  /** The failure message is our own words (input problems), never holding a value. */
  ownMessage(report: T): boolean
  summary(summary: Summary, report: T, redactor: Redactor): Summary
}

/** What happened to the number, for a failure that comes after it. */
const OUTCOME_IN_WORDS: Record<RunReport['result'], string> = {
  registered: 'The number was registered',
  'already-registered': 'The number was already registered and was left alone',
  'dry-run': 'The dry run changed nothing',
  failed: 'The run failed',
  uncertain: 'The outcome of the register call is uncertain'
}

/** The register action's reporting. */
export const REGISTER_REPORTING: Reporting<RunReport> = {
  outputs: outputsOf,
  succeeded,
  outcome: report => OUTCOME_IN_WORDS[report.result],
  failureMessage: report => report.unmet ?? report.errorMessage ?? 'Registration failed.',
  ownMessage: report => ownText(report, 'error-message'),
  summary: buildSummary
}

/** Outputs, the failure (if any) and the summary of the register action. */
export function finish(
  report: RunReport,
  redactor: Redactor,
  host: Host,
  failurePrinted = false
): Promise<void> {
  return finishWith(REGISTER_REPORTING, report, redactor, host, failurePrinted)
}

/** Outputs, the failure (if any) and the summary; a summary that cannot be written only warns. */
export async function finishWith<T>(
  reporting: Reporting<T>,
  report: T,
  redactor: Redactor,
  host: Host,
  failurePrinted = false
): Promise<void> {
  let outputsProblem: string | undefined
  try {
    for (const [name, value] of Object.entries(reporting.outputs(report, redactor)))
      host.output(name, value)
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    outputsProblem = `${reporting.outcome(report)}, but the outputs could not be written: ${reason}`
  }
  const failed = !reporting.succeeded(report)
  if (outputsProblem !== undefined || (failed && !failurePrinted)) {
    const fragments = !reporting.ownMessage(report)
    const message = [
      outputsProblem,
      failed && !failurePrinted ? reporting.failureMessage(report) : undefined
    ]
      .filter(Boolean)
      .join('\n')
    host.fail(redactor.redact(message, MAX_MESSAGE_LENGTH, { fragments }))
  }
  if (!host.summary) return
  try {
    await reporting.summary(host.summary, report, redactor).write()
  } catch (error) {
    host.warning(
      `Could not write the job summary: ${error instanceof Error ? error.message : String(error)}`
    )
  }
}
