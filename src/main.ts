import * as core from '@actions/core'
import { GraphClient } from './graph.js'
import { InputError, readSettings, type InputSource, type Settings } from './inputs.js'
import {
  isRegistered,
  readPhoneNumber,
  readPhoneNumberWithRetries,
  type PhoneNumberState
} from './phone-number.js'
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
import { DEFAULT_TIMING, type RetryTiming } from './retry.js'
import { buildSummary } from './summary.js'

/** Time, for tests to replace. */
export interface RunOptions {
  timing?: RetryTiming
  sleep?: (ms: number) => Promise<void>
  now?: () => number
}

interface Context {
  settings: Settings
  graph: GraphClient
  report: RunReport
  redactor: Redactor
  timing: RetryTiming
  sleep: (ms: number) => Promise<void>
  /** Logs a warning and keeps it for the summary. */
  warn: (message: string) => void
}

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
  try {
    const { settings, warnings } = readSettings(actionInputs(redactor))
    warnings.forEach(warn)
    report.phoneNumberId = settings.phoneNumberId
    graph = new GraphClient({
      ...settings,
      onVersionWarning: text => warn(`Graph API version warning: ${text}`)
    })
    const context: Context = {
      settings,
      graph,
      report,
      redactor,
      warn,
      timing: options.timing ?? DEFAULT_TIMING,
      sleep: options.sleep ?? (ms => new Promise(resolve => setTimeout(resolve, ms)))
    }
    logPlan(settings)
    const proceed = settings.preflight || settings.dryRun ? await preflight(context) : true
    const registered = proceed && (await register(context))
    // An uncertain call settled by a read has already shown the new state.
    if (registered && settings.preflight && report.after === undefined) await postCheck(context)
  } catch (error) {
    if (error instanceof InputError) {
      report.inputProblems = error.problems
      fail(report, error.message)
    } else {
      fail(report, `Unexpected error: ${error instanceof Error ? error.message : String(error)}`)
    }
  } finally {
    graph?.dispose()
    report.durationMs = now() - started
    await finish(report, redactor)
  }
}

/** Reads the number before registering; returns whether to go on and register. */
async function preflight(context: Context): Promise<boolean> {
  const { settings, report, graph, timing, sleep } = context
  const maxAttempts = 1 + settings.retries
  const read = await readPhoneNumberWithRetries(
    graph,
    settings.phoneNumberId,
    maxAttempts,
    timing,
    sleep,
    core
  )
  if (!read.ok) {
    const what = 'Pre-flight read of the number failed (no register call was made)'
    fail(report, describeFailure(what, read.failure))
    report.failure = read.failure
    report.httpStatus = read.failure.httpStatus
    report.fbtraceId = read.failure.fbtraceId
    return false
  }
  const state = read.state
  report.before = state
  logState(context, 'Before', state)
  if (state.isOnBizApp === true) {
    fail(
      report,
      'The number is also used in the WhatsApp Business app (coexistence): /register is not available for it, so there is nothing to register. No register call was made.'
    )
    return false
  }
  const skip = isRegistered(state) && settings.skipIfRegistered
  if (skip && !settings.dryRun) {
    core.info(
      'The number is already on CLOUD_API and CONNECTED: nothing to do (skip-if-registered).'
    )
    report.result = 'already-registered'
    return false
  }
  if (state.nameStatus === 'PENDING_REVIEW') {
    context.warn(
      'The display name is still in review (name_status PENDING_REVIEW): registering now has left numbers stuck in PENDING (error 2388001).'
    )
  }
  if (settings.dryRun) {
    report.result = 'dry-run'
    report.plannedRequest = skip
      ? 'Nothing: the number is already registered, so a real run would skip it (skip-if-registered).'
      : plannedRequest(settings)
    core.info(`Dry run: no register call. A real run would send: ${report.plannedRequest}`)
    return false
  }
  return true
}

/** Registers with retries; returns whether the number is now registered. */
async function register(context: Context): Promise<boolean> {
  const { report } = context
  const outcome = await registerWithRetries({
    ...context,
    log: core,
    registeredBefore: isRegistered(report.before)
  })
  report.attempts = outcome.attempts
  if (outcome.exchange) {
    report.httpStatus = outcome.exchange.status
    report.response = outcome.exchange.body
    report.fbtraceId = firstHeader(outcome.exchange.headers['x-fb-trace-id'])
  }
  if (!outcome.ok) {
    report.failure = outcome.failure
    report.fbtraceId = outcome.failure.fbtraceId ?? report.fbtraceId
    if (outcome.observedState) report.after = outcome.observedState
    fail(report, registerFailureMessage(outcome))
    return false
  }
  report.result = 'registered'
  const calls = `${outcome.attempts} register call${outcome.attempts === 1 ? '' : 's'}`
  core.info(`Registered after ${calls}.`)
  if (outcome.confirmedState) report.after = outcome.confirmedState
  return true
}

/** Reads the number once more to report its new state; a failure here only warns. */
async function postCheck(context: Context): Promise<void> {
  const { settings, report, graph } = context
  const after = await readPhoneNumber(graph, settings.phoneNumberId)
  if (!after.ok) {
    context.warn(
      describeFailure('Registered, but reading the number afterwards failed', after.failure)
    )
    return
  }
  report.after = after.state
  logState(context, 'After', after.state)
  if (after.state.platformType !== 'CLOUD_API') {
    context.warn(
      `Registered, but the number reports platform ${after.state.platformType ?? 'unknown'}: the switch can take a few seconds; check it in WhatsApp Manager.`
    )
  }
}

function registerFailureMessage(outcome: Extract<RegistrationOutcome, { ok: false }>): string {
  const { failure, attempts } = outcome
  const calls = `${attempts} register call${attempts === 1 ? '' : 's'} made`
  if (outcome.readFailure) {
    return describeFailure(
      'The outcome of the register call is uncertain',
      failure,
      `Reading the number to settle it failed too: ${outcome.readFailure.message}\nCheck the number's platform and status in WhatsApp Manager before running again (${calls}).`
    )
  }
  if (failure.uncertain && outcome.observedState) {
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

/** Reads inputs through @actions/core; a secret is masked in the runner and in our redaction. */
function actionInputs(redactor: Redactor): InputSource {
  return {
    getInput: name => core.getInput(name),
    registerSecret: value => {
      core.setSecret(value)
      redactor.add(value)
    },
    workspace: process.env.GITHUB_WORKSPACE || process.cwd()
  }
}

/** Outputs, the failure (if any) and the summary; a summary that cannot be written only warns. */
async function finish(report: RunReport, redactor: Redactor): Promise<void> {
  try {
    for (const [name, value] of Object.entries(outputsOf(report, redactor)))
      core.setOutput(name, value)
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    fail(report, `Could not write the outputs: ${reason}\n${report.errorMessage ?? ''}`)
  }
  if (report.result === 'failed') {
    const message = report.errorMessage ?? 'Registration failed.'
    const fragments = !ownText(report, 'error-message')
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
