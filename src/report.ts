import type { Failure } from './errors.js'
import type { FlowReport } from './flow-report.js'
import type { PhoneNumberState } from './phone-number.js'
import { storageRegion, type Storage } from './storage.js'
import type { Redactor } from './redact.js'
import { parseJson } from './json.js'
import { neutralize } from './server-text.js'
import type { App, WebhookSource } from './wiring.js'

export type Result = 'registered' | 'already-registered' | 'dry-run' | 'failed' | 'uncertain'

/**
 * What the register action's run found and did; outputs and the summary are written from it alone.
 * The fields every action shares are FlowReport's (`attempts` counts register calls); these are the
 * register action's own.
 */
export interface RunReport extends FlowReport<Result> {
  result: Result
  /** Local storage read before registering, and after (v21.0 and newer). */
  storageBefore?: Storage
  storageAfter?: Storage
  /**
   * What is not as asked although the number is registered (storage, wiring): the job fails, and
   * `result` still says what happened to the number.
   */
  unmet?: string
  /**
   * The deregistration of a storage-region change (`on-region-mismatch: re-register`), when one was
   * started: its calls, and whether a read showed the number off CLOUD_API afterwards.
   */
  deregistration?: Deregistration
  /** What the wiring step found and did, when `waba-id` was given and the step ran. */
  wiring?: WiringReport
}

/** What the deregister step of a storage-region change did. */
export interface Deregistration {
  /** Deregister calls made. */
  attempts: number
  /** `yes`: a read shows it off CLOUD_API; `no`: no call went through; `unknown`: not proved. */
  done: 'yes' | 'no' | 'unknown'
}

/** Whether the number can receive messages: its WABA's app subscription and its webhook URL. */
export interface WiringReport {
  wabaId: string
  /** The app checked (`app-id`, or the token's own), once known. */
  app?: App
  /** Whether the app is subscribed to the WABA, as read last; undefined when not known. */
  subscribed?: boolean
  /** This run subscribed the app. */
  subscribedNow?: boolean
  /** Where Meta sends the number's messages, as read last: null when none is set, undefined when not known. */
  webhook?: { url: string; source: WebhookSource } | null
  /** This run set the number's webhook override. */
  overrideSetNow?: boolean
  /** Dry run: the writes a real run would make, described without secret values. */
  planned: string[]
}

/** Adds something not as asked to what is already there. */
export function addUnmet(report: RunReport, message: string): void {
  report.unmet = report.unmet === undefined ? message : `${report.unmet}\n${message}`
}

export function newReport(): RunReport {
  return { result: 'failed', attempts: 0, warnings: [], notes: [] }
}

/** Lengths at which server text is cut when shown. */
export const MAX_MESSAGE_LENGTH = 4000
export const MAX_RESPONSE_LENGTH = 4000

/** The failure as a person reads it: what failed, Meta's words, what to do, the trace id. */
export function describeFailure(what: string, failure: Failure, context?: string): string {
  return [
    `${what}: ${failure.message}`,
    context,
    failure.userMessage && `Meta says: ${failure.userMessage}`,
    failure.details && `Details: ${failure.details}`,
    failure.hint && `What to do: ${failure.hint}`,
    failure.fbtraceId && `fbtrace_id: ${failure.fbtraceId} (give it to Meta support)`
  ]
    .filter(Boolean)
    .join('\n')
}

/** Outputs whose text came (at least partly) from the server, and so is redacted. */
const SERVER_TEXT_OUTPUTS = new Set([
  'display-phone-number',
  'verified-name',
  'platform-type',
  'phone-number-status',
  'error-message',
  'fbtrace-id',
  'response',
  'storage-region',
  'name-status',
  'throughput-level',
  'webhook-url'
])

/** The action's outputs; every value that came from the server is redacted and capped. */
export function outputsOf(report: RunReport, redactor: Redactor): Record<string, string> {
  const latest = { ...report.before, ...report.after }
  // After a call whose outcome is unknown, the state read before it may no longer be current.
  const current = report.failure?.next === 'settle' ? report.after : (report.after ?? report.before)
  const fields: Record<string, string | number | undefined> = {
    success: String(succeeded(report)),
    result: report.result,
    'phone-number-id': report.phoneNumberId,
    'display-phone-number': latest.displayPhoneNumber,
    'verified-name': latest.verifiedName,
    'platform-type': current?.platformType,
    'phone-number-status': current?.status,
    'name-status': current?.nameStatus,
    'throughput-level': current?.throughputLevel,
    'storage-region': storageOutput(report.storageAfter ?? report.storageBefore),
    'app-subscribed':
      report.wiring?.subscribed === undefined ? undefined : String(report.wiring.subscribed),
    'webhook-url': report.wiring?.webhook?.url,
    attempts: report.attempts,
    'http-status': report.httpStatus,
    'error-code': report.failure?.code,
    'error-subcode': report.failure?.subcode,
    'error-message': report.unmet ?? report.errorMessage,
    'fbtrace-id': report.fbtraceId,
    response: report.response
  }
  const outputs: Record<string, string> = {}
  const number = numberJson(current, report.storageAfter ?? report.storageBefore, redactor)
  if (number !== undefined) outputs.number = number
  const numberBefore = numberJson(report.before, report.storageBefore, redactor)
  if (numberBefore !== undefined) outputs['number-before'] = numberBefore
  return { ...outputs, ...shownOutputs(fields, report, redactor) }
}

/**
 * Output values as shown, unset ones left out: text that came from the server redacted and capped,
 * a response body kept valid JSON. Every action's outputs go through here.
 */
export function shownOutputs(
  fields: Record<string, string | number | undefined>,
  report: { inputProblems?: string[] },
  redactor: Redactor
): Record<string, string> {
  const outputs: Record<string, string> = {}
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) continue
    if (!SERVER_TEXT_OUTPUTS.has(name)) {
      outputs[name] = String(value)
      continue
    }
    if (name === 'response') {
      outputs[name] = showBody(String(value), redactor)
      continue
    }
    const fragments = !ownText(report, name)
    outputs[name] = redactor.redact(String(value), MAX_MESSAGE_LENGTH, { fragments })
  }
  return outputs
}

/**
 * Input problems are our own words and never hold a value; a secret's 6-character pieces (such as
 * `{"settings":{"data":` of a backup envelope) must not garble them.
 */
export function ownText(report: { inputProblems?: string[] }, output: string): boolean {
  return output === 'error-message' && report.inputProblems !== undefined
}

/** Caps tried in turn on each string of a JSON body until the whole fits MAX_RESPONSE_LENGTH. */
const STRING_CAPS = [MAX_RESPONSE_LENGTH, 500, 100, 20]

/**
 * A response body as shown in the `response` output: one line, secrets removed, at most
 * MAX_RESPONSE_LENGTH characters. A JSON body stays JSON that any parser reads: each string in it is
 * redacted on its own (a marker can never break an escape or a quote), and strings are cut, not the
 * document. Any other body is shown as inert text.
 */
export function showBody(body: string, redactor: Redactor): string {
  const parsed = parseJson(body)
  if (!parsed.ok) return neutralize(redactor.redact(body, MAX_RESPONSE_LENGTH))
  const redacted = mapStrings(parsed.value, text =>
    neutralize(redactor.redact(text, MAX_RESPONSE_LENGTH))
  )
  for (const cap of STRING_CAPS) {
    const cut = (text: string): string => (text.length > cap ? `${text.slice(0, cap)}…` : text)
    const shown = JSON.stringify(mapStrings(redacted, cut))
    if (shown.length <= MAX_RESPONSE_LENGTH) return shown
  }
  return JSON.stringify({ note: `a JSON body of ${body.length} characters, too large to show` })
}

function mapStrings(value: unknown, map: (text: string) => string): unknown {
  if (typeof value === 'string') return map(value)
  if (Array.isArray(value)) return value.map(item => mapStrings(item, map))
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [map(key), mapStrings(item, map)])
    )
  }
  return value
}

/** The run did what was asked: the number registered (or left registered) as asked, or a dry run. */
export function succeeded(report: RunReport): boolean {
  return report.result !== 'failed' && report.result !== 'uncertain' && report.unmet === undefined
}

/**
 * A read of the number as one JSON object, with Graph's field names; each string redacted on its
 * own, so the output is always valid JSON.
 */
function numberJson(
  state: PhoneNumberState | undefined,
  storage: Storage | undefined,
  redactor: Redactor
): string | undefined {
  if (state === undefined) return undefined
  const fields = {
    id: state.id,
    display_phone_number: state.displayPhoneNumber,
    verified_name: state.verifiedName,
    platform_type: state.platformType,
    status: state.status,
    name_status: state.nameStatus,
    code_verification_status: state.codeVerificationStatus,
    quality_rating: state.qualityRating,
    ...(state.throughputLevel !== undefined && { throughput: { level: state.throughputLevel } }),
    is_on_biz_app: state.isOnBizApp,
    ...(storage && {
      storage_configuration: {
        status: storage.status,
        ...(storage.region !== undefined && { data_localization_region: storage.region })
      }
    })
  }
  const redacted = mapStrings(fields, text => neutralize(redactor.redact(text, MAX_MESSAGE_LENGTH)))
  return JSON.stringify(redacted)
}

/** The region under in-country storage, '' for default storage, unset when storage was not read. */
function storageOutput(storage: Storage | undefined): string | undefined {
  return storage === undefined ? undefined : (storageRegion(storage) ?? '')
}
