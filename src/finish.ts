import type { Host } from './host.js'
import type { Redactor } from './redact.js'
import { MAX_MESSAGE_LENGTH, outputsOf, ownText, succeeded, type RunReport } from './report.js'
import { buildSummary } from './summary.js'

/** What happened to the number, for a failure that comes after it. */
const OUTCOME_IN_WORDS: Record<RunReport['result'], string> = {
  registered: 'The number was registered',
  'already-registered': 'The number was already registered and was left alone',
  'dry-run': 'The dry run changed nothing',
  failed: 'The run failed',
  uncertain: 'The outcome of the register call is uncertain'
}

/** Outputs, the failure (if any) and the summary; a summary that cannot be written only warns. */
export async function finish(
  report: RunReport,
  redactor: Redactor,
  host: Host,
  failurePrinted = false
): Promise<void> {
  let outputsProblem: string | undefined
  try {
    for (const [name, value] of Object.entries(outputsOf(report, redactor)))
      host.output(name, value)
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    outputsProblem = `${OUTCOME_IN_WORDS[report.result]}, but the outputs could not be written: ${reason}`
  }
  const failed = !succeeded(report)
  if (outputsProblem !== undefined || (failed && !failurePrinted)) {
    const fragments = !ownText(report, 'error-message')
    const message = [
      outputsProblem,
      failed && !failurePrinted
        ? (report.unmet ?? report.errorMessage ?? 'Registration failed.')
        : undefined
    ]
      .filter(Boolean)
      .join('\n')
    host.fail(redactor.redact(message, MAX_MESSAGE_LENGTH, { fragments }))
  }
  if (!host.summary) return
  try {
    await buildSummary(host.summary, report, redactor).write()
  } catch (error) {
    host.warning(
      `Could not write the job summary: ${error instanceof Error ? error.message : String(error)}`
    )
  }
}
