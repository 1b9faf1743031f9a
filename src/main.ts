import { readSettings, type Settings } from './inputs.js'
import { longestRunMs, minutesAndSeconds } from './longest-run.js'
import { describeStorage, StorageSettings, storesIn, usesSettingsApi } from './storage.js'
import { isRegistered, type PhoneNumberState } from './phone-number.js'
import { registerWithRetries, type RegistrationOutcome } from './registration.js'
import { describeFailure, newReport, type RunReport } from './report.js'
import type { RetryTiming } from './retry.js'
import { REGISTER_REPORTING } from './finish.js'
import { runFlow, type Flow } from './flow.js'
import type { Host } from './host.js'
import { newProgress, trackOutcome, type Progress } from './cancellation.js'
import { logState, preflight, type RegisterContext } from './preflight.js'
import { wireNumber } from './wiring-step.js'
import { deregisterAndStore, whereAfterRegisterFailure, withWhere } from './region-change.js'
import type { DataLocalizationRegion } from './inputs.js'

/** Time, for tests to replace. */
export interface RunOptions {
  /** Where inputs come from and messages go. Default: the GitHub runner. */
  host?: Host
  /** A check: read the number and its storage, write nothing, need no PIN. */
  readOnly?: boolean
  /** Called with what the run found and did, once its outputs are written. */
  onReport?: (report: RunReport) => void
  timing?: RetryTiming
  sleep?: (ms: number) => Promise<void>
  now?: () => number
}

type Context = RegisterContext

/**
 * The action: settings → pre-flight read → register → post-check → wiring (app subscription and
 * webhook override) → outputs and summary.
 */
export function run(options: RunOptions = {}): Promise<void> {
  const { onReport, readOnly = false, ...flowOptions } = options
  return runFlow(registerFlow(readOnly), {
    ...flowOptions,
    ...(onReport && { onReport: report => onReport(report as RunReport) })
  })
}

/** The register action as a flow: runFlow does the host, inputs, Graph client and finishing. */
function registerFlow(readOnly: boolean): Flow<Settings, RunReport> {
  /** The deregister call of a storage-region change, apart from the register calls. */
  const deregisterProgress = newProgress()
  return {
    readSettings: source => readSettings(source, { readOnly }),
    newReport,
    reporting: REGISTER_REPORTING,
    execute: (flow, report) =>
      registerNumber(
        {
          ...flow,
          storage: usesSettingsApi(flow.settings.apiVersion)
            ? new StorageSettings(
                flow.graph,
                flow.settings.phoneNumberId,
                flow.env,
                1 + flow.settings.retries
              )
            : undefined
        },
        report,
        readOnly,
        deregisterProgress
      ),
    cancelled: (signal, progress, report) => {
      const message = cancellationMessage(signal, progress, report.result, deregisterProgress)
      if (progress.outcomeUnknown || deregisterProgress.outcomeUnknown) report.result = 'uncertain'
      else if (report.result !== 'registered') report.result = 'failed'
      if (report.result === 'registered') report.warnings.push(message)
      else report.errorMessage = message
      return message
    }
  }
}

/** settings → pre-flight read → storage → register → post-check → wiring, into the report. */
async function registerNumber(
  context: Context,
  report: RunReport,
  readOnly: boolean,
  deregisterProgress: Progress
): Promise<void> {
  const { settings, host } = context
  logPlan(host, settings)
  const longest = minutesAndSeconds(longestRunMs(settings, context.env.timing))
  host.info(
    `Longest possible run with these inputs: ${longest} (timeouts, retries, settle window, Retry-After); give the job a timeout-minutes above it, since a job killed mid-call leaves the outcome unknown.`
  )

  // Without a pre-flight read, the region is set unconditionally (setting it again is harmless).
  let setStorage = context.storage !== undefined && settings.dataLocalizationRegion !== undefined
  let registerFrom: PhoneNumberState | undefined
  /** The region of a storage-region change under way, whose register step is still to come. */
  let changingTo: DataLocalizationRegion | undefined
  if (settings.preflight || settings.dryRun) {
    const checked = await preflight(context)
    report.before = checked.before
    report.storageBefore = checked.storage
    switch (checked.kind) {
      case 'failed':
        report.failure = checked.failure
        report.httpStatus = checked.failure?.httpStatus
        report.fbtraceId = checked.failure?.fbtraceId
        return fail(report, checked.message)
      case 'already-registered':
        host.info(
          'The number is already on CLOUD_API and CONNECTED: nothing to do (skip-if-registered).'
        )
        report.result = 'already-registered'
        return await wireNumber(context, report)
      case 'dry-run':
        report.result = 'dry-run'
        if (readOnly) {
          host.info('Check: the number was read; nothing was written.')
        } else {
          report.plannedRequest = checked.plannedRequest
          host.info(`Dry run: no register call. A real run would send: ${checked.plannedRequest}`)
        }
        return await wireNumber(context, report)
      case 'register':
        setStorage = checked.setStorage
        registerFrom = checked.before
        break
      case 're-register': {
        if (!context.storage) throw new Error('a storage-region change needs the settings edge')
        const changed = await deregisterAndStore(
          { ...context, storage: context.storage },
          { before: checked.before, storage: checked.storage, region: checked.region },
          deregisterProgress
        )
        report.deregistration = changed.deregistration
        if (changed.kind === 'stopped') {
          if (changed.after) report.after = changed.after
          if (changed.storage) report.storageAfter = changed.storage
          report.failure = changed.failure
          report.httpStatus = changed.failure?.httpStatus ?? changed.exchange?.status
          report.fbtraceId = changed.failure?.fbtraceId
          fail(report, changed.message)
          report.result = changed.result
          return
        }
        report.after = changed.state
        report.storageAfter = changed.storage
        setStorage = false
        registerFrom = changed.state
        changingTo = checked.region
        break
      }
    }
  }

  if (setStorage && context.storage && settings.dataLocalizationRegion) {
    const region = settings.dataLocalizationRegion
    host.info(
      `Setting in-country storage in ${region} through the number's settings (before registering).`
    )
    const written = await context.storage.storeIn(region)
    if (!written.ok) {
      report.failure = written.failure
      report.httpStatus = written.failure.httpStatus
      report.fbtraceId = written.failure.fbtraceId
      return fail(
        report,
        describeFailure(
          `Setting local storage in ${region} failed (no register call was made)`,
          written.failure
        )
      )
    }
  }

  const registered = await register(context, registerFrom)
  applyRegistration(report, registered)
  if (!registered.ok) {
    const where = changingTo && whereAfterRegisterFailure(changingTo, registered.uncertain)
    const message = registerFailureMessage(registered)
    fail(report, where ? withWhere(message, where) : message)
    if (registered.uncertain) report.result = 'uncertain'
    return
  }
  host.info(`Registered after ${plural(registered.attempts, 'register call')}.`)
  if (changingTo) {
    host.info(
      `The storage-region change is done: deregistered, storage set in ${changingTo}, registered again.`
    )
    // The read after the deregistration no longer says how the number is now.
    if (!registered.confirmedState) report.after = undefined
  }
  // An uncertain call settled by a read has already shown the new state.
  if (settings.preflight && report.after === undefined) {
    const after = await postCheck(context)
    if (after) report.after = after
  }
  await checkStorageAfter(context, report)
  await wireNumber(context, report)
}

function cancellationMessage(
  signal: NodeJS.Signals,
  progress: Progress,
  result: string,
  deregisterProgress: Progress
): string {
  if (deregisterProgress.outcomeUnknown) {
    return `Cancelled (${signal}) while the deregister call of a storage-region change was in flight: its outcome is unknown, and no settings or register call was made. The number is either still registered or deregistered (offline): check its platform (WhatsApp Manager, or this action with dry-run: true), then run this action again with the same inputs, which finishes the change from either state (it needs the PIN).`
  }
  if (deregisterProgress.carriedOut && result !== 'registered' && !progress.outcomeUnknown) {
    return `Cancelled (${signal}) during a storage-region change, after the number was deregistered and before it was registered again: it is offline. Run this action again with the same inputs to finish (it sets the storage and registers the number; it needs the PIN).`
  }
  if (progress.outcomeUnknown) {
    return `Cancelled (${signal}) while a register call was in flight: its outcome is unknown. Before running again, check the number's platform and status (WhatsApp Manager, or this action with dry-run: true); calling register on a number that is already registered only spends one of its 10 calls per 72 hours.`
  }
  if (result === 'registered') {
    return `Cancelled (${signal}) after the number was registered: the register call went through; only what comes after it (the read, the wiring) was cut short.`
  }
  return `Cancelled (${signal}) with no register call in flight: no register call of this run can have changed the number.`
}

/** After registering with a region (v21.0 and newer): the storage must be as asked. */
async function checkStorageAfter(context: Context, report: RunReport): Promise<void> {
  const region = context.settings.dataLocalizationRegion
  if (!context.storage || region === undefined) {
    report.storageAfter = report.storageBefore
    return
  }
  const read = await context.storage.read()
  if (!read.ok) {
    report.unmet = describeFailure(
      `The number is registered, but reading its storage settings afterwards failed, so in-country storage in ${region} is not confirmed`,
      read.failure
    )
    return
  }
  report.storageAfter = read.storage
  context.host.info(`Storage after: ${describeStorage(read.storage)}.`)
  if (!storesIn(read.storage, region)) {
    report.unmet = `The number is registered, but its storage is ${describeStorage(read.storage)}, not in-country storage in ${region} as data-localization-region asks. Storage cannot change while the number is registered: deregister it, then run this action again (or run it again with on-region-mismatch: re-register, which does both).`
  }
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
    onOutcomeUnknown: unknown => trackOutcome(context.progress, unknown)
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

function logPlan(host: Host, settings: Settings): void {
  const kind = settings.backup
    ? `migration with the backup from ${settings.backup.source}`
    : 'registration without backup'
  host.info(`Phone number ${settings.phoneNumberId}: ${kind}, Graph API ${settings.apiVersion}.`)
}

function fail(report: RunReport, message: string): void {
  report.result = 'failed'
  report.errorMessage = message
}

function firstHeader(header: string | string[] | undefined): string | undefined {
  return Array.isArray(header) ? header[0] : header
}
