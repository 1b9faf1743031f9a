import * as core from '@actions/core'
import { USER_AGENT } from './constants.js'
import type { Failure } from './errors.js'
import { GraphClient } from './graph.js'
import { InputError, readSettings, type InputSource, type Settings } from './inputs.js'
import { longestRunMs, minutesAndSeconds } from './longest-run.js'
import { isRegistered, PhoneNumberReader, type PhoneNumberState } from './phone-number.js'
import { Redactor } from './redact.js'
import { registerBody, registerWithRetries, type RegistrationOutcome } from './registration.js'
import {
  describeFailure,
  MAX_MESSAGE_LENGTH,
  newReport,
  outputsOf,
  ownText,
  type RunReport
} from './report.js'
import { DEFAULT_TIMING, type RetryEnvironment, type RetryTiming } from './retry.js'
import { buildSummary } from './summary.js'

/** Time, for tests to replace. */
export interface RunOptions {
  timing?: RetryTiming
  sleep?: (ms: number) => Promise<void>
  now?: () => number
}

interface Context {
  settings: Settings
  numbers: PhoneNumberReader
  graph: GraphClient
  env: RetryEnvironment
  redactor: Redactor
  /** Logs a warning and keeps it for the summary. */
  warn: (message: string) => void
  progress: Progress
}

/** What the pre-flight read decided. */
type Preflight =
  | { kind: 'register'; before: PhoneNumberState }
  | { kind: 'already-registered'; before: PhoneNumberState }
  | { kind: 'dry-run'; before: PhoneNumberState; plannedRequest: string }
  | { kind: 'failed'; message: string; failure?: Failure; before?: PhoneNumberState }

/** The action: settings → pre-flight read → register → post-check → outputs and summary. */
export async function run(options: RunOptions = {}): Promise<void> {
  const now = options.now ?? Date.now
  const started = now()
  const redactor = new Redactor()
  const report = newReport()
  const warn = (message: string): void => {
    report.warnings.push(message)
    core.warning(redactor.redact(message, MAX_MESSAGE_LENGTH))
  }
  let graph: GraphClient | undefined
  const progress: Progress = { registerOutcomeUnknown: false, registerCalls: 0 }
  let finished = false
  const finishOnce = async (failurePrinted = false): Promise<void> => {
    if (finished) return
    finished = true
    report.durationMs = now() - started
    await finish(report, redactor, failurePrinted)
  }
  const stopWatching = watchCancellation(signal => {
    const message = cancellationMessage(signal, progress, report.result)
    // At once: the runner may kill the step soon after.
    core.setFailed(redactor.redact(message, MAX_MESSAGE_LENGTH, { fragments: false }))
    report.attempts = Math.max(report.attempts, progress.registerCalls)
    if (progress.registerOutcomeUnknown) report.result = 'uncertain'
    else if (report.result !== 'registered') report.result = 'failed'
    if (report.result === 'registered') report.warnings.push(message)
    else report.errorMessage = message
    graph?.dispose()
    return finishOnce(true)
  })
  try {
    const { settings, warnings } = readSettings(actionInputs(redactor))
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
    const context: Context = {
      settings,
      graph,
      numbers: new PhoneNumberReader(graph, settings.phoneNumberId),
      redactor,
      warn,
      progress,
      env: {
        timing: options.timing ?? DEFAULT_TIMING,
        sleep: options.sleep ?? (ms => new Promise(resolve => setTimeout(resolve, ms))),
        now,
        log: message => core.info(message)
      }
    }
    logPlan(settings)
    const longest = minutesAndSeconds(longestRunMs(settings, context.env.timing))
    core.info(
      `Longest possible run with these inputs: ${longest} (timeouts, retries, settle window, Retry-After); give the job a timeout-minutes above it, since a job killed mid-call leaves the outcome unknown.`
    )

    if (settings.preflight || settings.dryRun) {
      const checked = await preflight(context)
      report.before = checked.before
      switch (checked.kind) {
        case 'failed':
          report.failure = checked.failure
          report.httpStatus = checked.failure?.httpStatus
          report.fbtraceId = checked.failure?.fbtraceId
          return fail(report, checked.message)
        case 'already-registered':
          core.info(
            'The number is already on CLOUD_API and CONNECTED: nothing to do (skip-if-registered).'
          )
          report.result = 'already-registered'
          return
        case 'dry-run':
          report.result = 'dry-run'
          report.plannedRequest = checked.plannedRequest
          core.info(`Dry run: no register call. A real run would send: ${checked.plannedRequest}`)
          return
        case 'register':
          break
      }
    }

    const registered = await register(context, report.before)
    applyRegistration(report, registered)
    if (!registered.ok) {
      fail(report, registerFailureMessage(registered))
      if (registered.uncertain) report.result = 'uncertain'
      return
    }
    core.info(`Registered after ${plural(registered.attempts, 'register call')}.`)
    // An uncertain call settled by a read has already shown the new state.
    if (settings.preflight && report.after === undefined) {
      const after = await postCheck(context)
      if (after) report.after = after
    }
  } catch (error) {
    if (error instanceof InputError) {
      report.inputProblems = error.problems
      fail(report, error.message)
    } else {
      fail(report, `Unexpected error: ${error instanceof Error ? error.message : String(error)}`)
    }
  } finally {
    graph?.dispose()
    stopWatching()
    await finishOnce()
  }
}

/** What a cancellation can know of the number. */
interface Progress {
  /** A register call went out and nothing has shown yet whether it went through. */
  registerOutcomeUnknown: boolean
  /** Register calls sent so far. */
  registerCalls: number
}

/**
 * Calls `onCancel` on the first SIGINT or SIGTERM (the runner sends both when a job is cancelled),
 * then ends the process once it has written what it could. Returns a function that stops watching.
 */
function watchCancellation(onCancel: (signal: NodeJS.Signals) => Promise<void>): () => void {
  let cancelled = false
  const handler = (signal: NodeJS.Signals): void => {
    if (cancelled) return
    cancelled = true
    void onCancel(signal).finally(() => {
      process.exitCode = 1
      // The run is abandoned mid-request; end once what was written has reached the runner.
      process.stdout.write('', () => process.exit())
    })
  }
  process.on('SIGINT', handler)
  process.on('SIGTERM', handler)
  return () => {
    process.off('SIGINT', handler)
    process.off('SIGTERM', handler)
  }
}

function cancellationMessage(signal: NodeJS.Signals, progress: Progress, result: string): string {
  if (progress.registerOutcomeUnknown) {
    return `Cancelled (${signal}) while a register call was in flight: its outcome is unknown. Before running again, check the number's platform and status (WhatsApp Manager, or this action with dry-run: true); calling register on a number that is already registered only spends one of its 10 calls per 72 hours.`
  }
  if (result === 'registered') {
    return `Cancelled (${signal}) after the number was registered: the register call went through; only the read afterwards was cut short.`
  }
  return `Cancelled (${signal}) with no register call in flight: no register call of this run can have changed the number.`
}

/** Reads the number before registering and decides whether to register. */
async function preflight(context: Context): Promise<Preflight> {
  const { settings, numbers, env } = context
  const read = await numbers.readWithRetries(1 + settings.retries, env)
  if (!read.ok) {
    return {
      kind: 'failed',
      failure: read.failure,
      message: describeFailure(
        'Pre-flight read of the number failed (no register call was made)',
        read.failure
      )
    }
  }
  const before = read.state
  logState(context, 'Before', before)
  if (before.isOnBizApp === true) {
    return {
      kind: 'failed',
      before,
      message:
        'The number is also used in the WhatsApp Business app (coexistence): /register is not available for it, so there is nothing to register. No register call was made.'
    }
  }
  const skip = isRegistered(before) && settings.skipIfRegistered
  if (skip && !settings.dryRun) return { kind: 'already-registered', before }
  if (before.nameStatus === 'PENDING_REVIEW') {
    context.warn(
      'The display name is still in review (name_status PENDING_REVIEW): registering now has left numbers stuck in PENDING (error 2388001).'
    )
  }
  if (settings.dryRun) {
    return {
      kind: 'dry-run',
      before,
      plannedRequest: skip
        ? 'Nothing: the number is already registered, so a real run would skip it (skip-if-registered).'
        : plannedRequest(settings)
    }
  }
  return { kind: 'register', before }
}

/** Registers with retries, settling uncertain attempts by reading the number. */
function register(
  context: Context,
  before: PhoneNumberState | undefined
): Promise<RegistrationOutcome> {
  return registerWithRetries({
    graph: context.graph,
    numbers: context.numbers,
    settings: context.settings,
    env: context.env,
    registeredBefore: isRegistered(before),
    onOutcomeUnknown: unknown => {
      if (unknown) context.progress.registerCalls += 1
      context.progress.registerOutcomeUnknown = unknown
    }
  })
}

/** Reads the number once more to report its new state; a failure here only warns. */
async function postCheck(context: Context): Promise<PhoneNumberState | undefined> {
  const after = await context.numbers.read()
  if (!after.ok) {
    context.warn(
      describeFailure('Registered, but reading the number afterwards failed', after.failure)
    )
    return undefined
  }
  logState(context, 'After', after.state)
  if (after.state.platformType !== 'CLOUD_API') {
    context.warn(
      `Registered, but the number reports platform ${after.state.platformType ?? 'unknown'}: the switch can take a few seconds; check it in WhatsApp Manager.`
    )
  }
  return after.state
}

/** Writes what the register step found into the report. */
function applyRegistration(report: RunReport, outcome: RegistrationOutcome): void {
  report.attempts = outcome.attempts
  if (outcome.exchange) {
    report.httpStatus = outcome.exchange.status
    report.response = outcome.exchange.body
    report.fbtraceId = firstHeader(outcome.exchange.headers['x-fb-trace-id'])
  }
  if (outcome.ok) {
    report.result = 'registered'
    if (outcome.confirmedState) report.after = outcome.confirmedState
    return
  }
  report.failure = outcome.failure
  report.fbtraceId = outcome.failure.fbtraceId ?? report.fbtraceId
  if (outcome.observedState) report.after = outcome.observedState
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`
}

function registerFailureMessage(outcome: Extract<RegistrationOutcome, { ok: false }>): string {
  const { failure } = outcome
  const calls = `${plural(outcome.attempts, 'register call')} made`
  if (outcome.uncertain) {
    return describeFailure(
      'The outcome of the register call is uncertain',
      failure,
      `The call may still have gone through, and nothing settled it: ${outcome.reason}.\nBefore running again, check the number's platform and status (WhatsApp Manager, or this action with dry-run: true): a run on a number that is already registered only spends one of its 10 register calls per 72 hours (${calls}).`
    )
  }
  if (failure.next === 'settle' && outcome.observedState) {
    const state = outcome.observedState
    return describeFailure(
      'Register failed with an uncertain outcome',
      failure,
      `The number then showed platform ${state.platformType ?? '?'}, status ${state.status ?? '?'}; not retried: ${outcome.reason} (${calls}).`
    )
  }
  return describeFailure('Register failed', failure, `Not retried: ${outcome.reason} (${calls}).`)
}

/** The register request described by its field names only: values are secrets. */
function plannedRequest(settings: Settings): string {
  const fields = Object.keys(registerBody(settings)).flatMap(key =>
    key === 'backup' ? ['backup.data', 'backup.password'] : [key]
  )
  return `POST ${settings.graphApiUrl}/${settings.apiVersion}/${settings.phoneNumberId}/register with ${fields.join(', ')}`
}

function logPlan(settings: Settings): void {
  const kind = settings.backup
    ? `migration with the backup from ${settings.backup.source}`
    : 'registration without backup'
  core.info(`Phone number ${settings.phoneNumberId}: ${kind}, Graph API ${settings.apiVersion}.`)
}

function logState(context: Context, when: string, state: PhoneNumberState): void {
  const throughput = state.throughputLevel ? `, throughput ${state.throughputLevel}` : ''
  const line = `${when}: ${state.displayPhoneNumber ?? '?'} (${state.verifiedName ?? '?'}), platform ${state.platformType ?? '?'}, status ${state.status ?? '?'}${throughput}.`
  core.info(context.redactor.redact(line, MAX_MESSAGE_LENGTH))
}

function fail(report: RunReport, message: string): void {
  report.result = 'failed'
  report.errorMessage = message
}

function firstHeader(header: string | string[] | undefined): string | undefined {
  return Array.isArray(header) ? header[0] : header
}

/** What happened to the number, for a failure that comes after it. */
const OUTCOME_IN_WORDS: Record<RunReport['result'], string> = {
  registered: 'The number was registered',
  'already-registered': 'The number was already registered and was left alone',
  'dry-run': 'The dry run changed nothing',
  failed: 'The run failed',
  uncertain: 'The outcome of the register call is uncertain'
}

/** Reads inputs through @actions/core; a secret is masked in the runner and in our redaction. */
function actionInputs(redactor: Redactor): InputSource {
  return {
    getInput: name => core.getInput(name, { trimWhitespace: false }),
    registerSecret: value => {
      core.setSecret(value)
      redactor.add(value)
    },
    workspace: process.env.GITHUB_WORKSPACE || process.cwd()
  }
}

/** Outputs, the failure (if any) and the summary; a summary that cannot be written only warns. */
async function finish(
  report: RunReport,
  redactor: Redactor,
  failurePrinted = false
): Promise<void> {
  let outputsProblem: string | undefined
  try {
    for (const [name, value] of Object.entries(outputsOf(report, redactor)))
      core.setOutput(name, value)
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    outputsProblem = `${OUTCOME_IN_WORDS[report.result]}, but the outputs could not be written: ${reason}`
  }
  const failed = report.result === 'failed' || report.result === 'uncertain'
  if (outputsProblem !== undefined || (failed && !failurePrinted)) {
    const fragments = !ownText(report, 'error-message')
    const message = [
      outputsProblem,
      failed && !failurePrinted ? (report.errorMessage ?? 'Registration failed.') : undefined
    ]
      .filter(Boolean)
      .join('\n')
    core.setFailed(redactor.redact(message, MAX_MESSAGE_LENGTH, { fragments }))
  }
  if (!process.env.GITHUB_STEP_SUMMARY) return
  try {
    await buildSummary(core.summary, report, redactor).write()
  } catch (error) {
    core.warning(
      `Could not write the job summary: ${error instanceof Error ? error.message : String(error)}`
    )
  }
}
