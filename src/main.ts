import * as core from '@actions/core'
import { GraphClient } from './graph.js'
import { InputError, readSettings, type InputSource, type Settings } from './inputs.js'
import {
  isRegistered,
  readPhoneNumberWithRetries,
  type PhoneNumberState,
  type ReadOutcome
} from './phone-number.js'
import { Redactor } from './redact.js'
import { registerBody, registerWithRetries } from './registration.js'
import {
  describeFailure,
  MAX_MESSAGE_LENGTH,
  newReport,
  outputsOf,
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
    await registerNumber({
      settings,
      graph,
      report,
      redactor,
      timing: options.timing ?? DEFAULT_TIMING,
      sleep: options.sleep ?? (ms => new Promise(resolve => setTimeout(resolve, ms)))
    })
  } catch (error) {
    if (error instanceof InputError) {
      report.inputProblems = error.problems
      report.errorMessage = error.message
    } else {
      report.errorMessage = `Unexpected error: ${error instanceof Error ? error.message : String(error)}`
    }
  } finally {
    graph?.dispose()
    report.durationMs = now() - started
    await finish(report, redactor)
  }
}

async function registerNumber(context: Context): Promise<void> {
  const { settings, report } = context
  const kind = settings.backup
    ? `migration with the backup from ${settings.backup.source}`
    : 'registration without backup'
  core.info(`Phone number ${settings.phoneNumberId}: ${kind}, Graph API ${settings.apiVersion}.`)

  if (settings.preflight || settings.dryRun) {
    const read = await readNumber(context)
    if (!read.ok) {
      fail(
        report,
        describeFailure(
          'Pre-flight read of the number failed (no register call was made)',
          read.failure
        )
      )
      report.failure = read.failure
      report.httpStatus = read.failure.httpStatus
      report.fbtraceId = read.failure.fbtraceId
      return
    }
    report.before = read.state
    logState(context, 'Before', read.state)
    if (read.state.isOnBizApp === true) {
      fail(
        report,
        'The number is also used in the WhatsApp Business app (coexistence): /register is not available for it, so there is nothing to register. No register call was made.'
      )
      return
    }
    const registered = isRegistered(read.state)
    if (registered && settings.skipIfRegistered && !settings.dryRun) {
      core.info(
        'The number is already on CLOUD_API and CONNECTED: nothing to do (skip-if-registered).'
      )
      report.result = 'already-registered'
      return
    }
    if (read.state.nameStatus === 'PENDING_REVIEW') {
      core.warning(
        'The display name is still in review (name_status PENDING_REVIEW): registering now has left numbers stuck in PENDING (error 2388001).'
      )
    }
    if (settings.dryRun) {
      report.result = 'dry-run'
      report.plannedRequest =
        registered && settings.skipIfRegistered
          ? 'Nothing: the number is already registered, so a real run would skip it (skip-if-registered).'
          : plannedRequest(settings)
      core.info(`Dry run: no register call. A real run would send: ${report.plannedRequest}`)
      return
    }
  }

  const outcome = await registerWithRetries({
    ...context,
    log: core,
    registeredBefore: isRegistered(report.before)
  })
  report.attempts = outcome.attempts
  if (outcome.exchange) {
    report.httpStatus = outcome.exchange.status
    report.response = outcome.exchange.body
    report.fbtraceId = traceId(outcome.exchange.headers['x-fb-trace-id'])
  }
  if (!outcome.ok) {
    report.failure = outcome.failure
    report.fbtraceId = outcome.failure.fbtraceId ?? report.fbtraceId
    if (outcome.observedState) report.after = outcome.observedState
    fail(report, registerFailureMessage(outcome))
    return
  }
  report.result = 'registered'
  core.info(
    `Registered after ${outcome.attempts} register call${outcome.attempts === 1 ? '' : 's'}.`
  )
  if (outcome.confirmedState) {
    report.after = outcome.confirmedState
  } else if (settings.preflight) {
    const after = await readNumber(context)
    if (after.ok) {
      report.after = after.state
      logState(context, 'After', after.state)
      if (after.state.platformType !== 'CLOUD_API') {
        core.warning(
          `Register succeeded, but the number reports platform ${after.state.platformType ?? 'unknown'}: the switch can take a few seconds; check it in WhatsApp Manager.`
        )
      }
    } else {
      core.warning(
        context.redactor.redact(
          describeFailure(
            'Register succeeded, but reading the number afterwards failed',
            after.failure
          ),
          MAX_MESSAGE_LENGTH
        )
      )
    }
  }
}

function readNumber(context: Context): Promise<ReadOutcome> {
  const { graph, settings, timing, sleep } = context
  return readPhoneNumberWithRetries(
    graph,
    settings.phoneNumberId,
    1 + settings.retries,
    timing,
    sleep,
    core
  )
}

function registerFailureMessage(
  outcome: Extract<Awaited<ReturnType<typeof registerWithRetries>>, { ok: false }>
): string {
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

function logState(context: Context, when: string, state: PhoneNumberState): void {
  const line = `${when}: ${state.displayPhoneNumber ?? '?'} (${state.verifiedName ?? '?'}), platform ${state.platformType ?? '?'}, status ${state.status ?? '?'}${state.throughputLevel ? `, throughput ${state.throughputLevel}` : ''}.`
  core.info(context.redactor.redact(line, MAX_MESSAGE_LENGTH))
}

function fail(report: RunReport, message: string): void {
  report.result = 'failed'
  report.errorMessage = message
}

function traceId(header: string | string[] | undefined): string | undefined {
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
    report.result = 'failed'
    report.errorMessage = `Could not write the outputs: ${error instanceof Error ? error.message : String(error)}\n${report.errorMessage ?? ''}`
  }
  if (report.result === 'failed') {
    core.setFailed(
      redactor.redact(report.errorMessage ?? 'Registration failed.', MAX_MESSAGE_LENGTH)
    )
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
