/**
 * What every sub-action's run shares around its own steps (deregister, set-pin): the host, inputs
 * read and masked first, one Graph client, redaction, cancellation, and the outputs, failure and
 * summary written once at the end, whatever happened.
 */
import { newProgress, watchCancellation, type Progress } from './cancellation.js'
import { USER_AGENT } from './constants.js'
import { finishWith, type Reporting } from './finish.js'
import type { FlowReport } from './flow-report.js'
import { GraphClient } from './graph.js'
import { actionsHost, type Host } from './host.js'
import { InputError, type GraphSettings, type InputSource, type Parsed } from './input-rules.js'
import { minutesAndSeconds } from './longest-run.js'
import { PhoneNumberReader, type PhoneNumberState } from './phone-number.js'
import { Redactor } from './redact.js'
import { MAX_MESSAGE_LENGTH } from './report.js'
import { DEFAULT_TIMING, type RetryEnvironment, type RetryTiming } from './retry.js'

/** Time and the host, for tests to replace. */
export interface FlowOptions {
  /** Where inputs come from and messages go. Default: the GitHub runner. */
  host?: Host
  /** Called with what the run found and did, once its outputs are written. */
  onReport?: (report: FlowReport) => void
  timing?: RetryTiming
  sleep?: (ms: number) => Promise<void>
  now?: () => number
}

/** What a flow's steps are given: the settings, Graph, the number, time, and where to report. */
export interface FlowContext<S extends GraphSettings> {
  settings: S
  graph: GraphClient
  numbers: PhoneNumberReader
  env: RetryEnvironment
  redactor: Redactor
  /** Logs a warning and keeps it for the summary. */
  warn: (message: string) => void
  progress: Progress
  host: Host
}

/** One action's own parts; runFlow does the rest. */
export interface Flow<S extends GraphSettings, T extends FlowReport> {
  /** Reads, masks and validates the inputs; throws InputError listing every problem. */
  readSettings(source: InputSource): Parsed<S>
  newReport(): T
  reporting: Reporting<T>
  /** What the action does once its inputs are valid, written into the report. */
  execute(context: FlowContext<S>, report: T): Promise<void>
  /** On SIGINT or SIGTERM: sets the report's result and says what is known of the number. */
  cancelled(signal: NodeJS.Signals, progress: Progress, report: T): string
}

/** Runs a flow: settings → its steps → outputs, failure and summary. */
export async function runFlow<S extends GraphSettings, T extends FlowReport>(
  flow: Flow<S, T>,
  options: FlowOptions = {}
): Promise<void> {
  const host = options.host ?? actionsHost()
  const now = options.now ?? Date.now
  const started = now()
  const redactor = new Redactor()
  const report = flow.newReport()
  const warn = (message: string): void => {
    report.warnings.push(message)
    host.warning(redactor.redact(message, MAX_MESSAGE_LENGTH))
  }
  let graph: GraphClient | undefined
  const progress = newProgress()
  let finished = false
  const finishOnce = async (failurePrinted = false): Promise<void> => {
    if (finished) return
    finished = true
    report.durationMs = now() - started
    await finishWith(flow.reporting, report, redactor, host, failurePrinted)
  }
  const stopWatching = watchCancellation(signal => {
    const message = flow.cancelled(signal, progress, report)
    // At once: the runner may kill the step soon after.
    host.fail(redactor.redact(message, MAX_MESSAGE_LENGTH, { fragments: false }))
    report.attempts = Math.max(report.attempts, progress.calls)
    graph?.dispose()
    return finishOnce(true)
  })
  try {
    const { settings, warnings } = flow.readSettings(inputsFrom(host, redactor))
    warnings.forEach(warn)
    report.phoneNumberId = settings.phoneNumberId
    graph = new GraphClient({
      baseUrl: settings.graphApiUrl,
      apiVersion: settings.apiVersion,
      accessToken: settings.accessToken,
      timeoutMs: settings.timeoutMs,
      userAgent: USER_AGENT,
      onVersionWarning: text => warn(`Graph API version warning: ${text}`)
    })
    const env: RetryEnvironment = {
      timing: options.timing ?? DEFAULT_TIMING,
      sleep: options.sleep ?? (ms => new Promise(resolve => setTimeout(resolve, ms))),
      now,
      log: message => host.info(message)
    }
    await flow.execute(
      {
        settings,
        graph,
        numbers: new PhoneNumberReader(graph, settings.phoneNumberId),
        env,
        redactor,
        warn,
        progress,
        host
      },
      report
    )
  } catch (error) {
    report.result = 'failed'
    if (error instanceof InputError) {
      report.inputProblems = error.problems
      report.errorMessage = error.message
    } else {
      report.errorMessage = `Unexpected error: ${error instanceof Error ? error.message : String(error)}`
    }
  } finally {
    graph?.dispose()
    stopWatching()
    await finishOnce()
    options.onReport?.(report)
  }
}

/** Inputs from the host; a secret is masked in the host's log and in our own redaction. */
export function inputsFrom(host: Host, redactor: Redactor): InputSource {
  return {
    getInput: name => host.input(name),
    registerSecret: value => {
      host.mask(value)
      redactor.add(value)
    },
    workspace: host.workspace
  }
}

/** Prints the longest the run can take, so that the job's timeout-minutes can be set above it. */
export function logLongestRun(host: Host, ms: number, counted: string): void {
  host.info(
    `Longest possible run with these inputs: ${minutesAndSeconds(ms)} (${counted}); give the job a timeout-minutes above it, since a job killed mid-call leaves the outcome unknown.`
  )
}

/** One line of the number's state for the log; server text redacted (it is already inert). */
export function logState(
  context: { host: Host; redactor: Redactor },
  when: string,
  state: PhoneNumberState
): void {
  const line = `${when}: ${state.displayPhoneNumber ?? '?'} (${state.verifiedName ?? '?'}), platform ${state.platformType ?? '?'}, status ${state.status ?? '?'}.`
  context.host.info(context.redactor.redact(line, MAX_MESSAGE_LENGTH))
}

/** `1 deregister call`, `2 deregister calls`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`
}
