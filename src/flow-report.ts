import type { Failure } from './errors.js'
import type { HttpExchange } from './graph.js'
import type { PhoneNumberState } from './phone-number.js'
import type { Redactor } from './redact.js'
import { shownOutputs } from './report.js'
import { neutralize } from './server-text.js'

/**
 * What a sub-action's run found and did (deregister, set-pin), with its own result values; its
 * outputs and summary are written from it alone. The register action's RunReport has the same
 * shape, plus storage.
 */
export interface FlowReport<R extends string = string> {
  result: R | 'failed'
  phoneNumberId?: string
  /** State read before the call. */
  before?: PhoneNumberState
  /** State read after the call (or by the read that settled an uncertain one). */
  after?: PhoneNumberState
  /** Calls that change the number. */
  attempts: number
  /** Status of the response that decided the result. */
  httpStatus?: number
  failure?: Failure
  /** For a person: what failed, why, and what to do. Not yet redacted. */
  errorMessage?: string
  /** Body of the last response of the call. Not yet redacted. */
  response?: string
  fbtraceId?: string
  /** Dry run: the request that would be sent, described by field names only. */
  plannedRequest?: string
  /** Problems with the inputs, when the run stopped on them. */
  inputProblems?: string[]
  /** Warnings also given in the log. */
  warnings: string[]
  /** What the person must know or do next, whatever the result: first in the summary. */
  notes: string[]
  durationMs?: number
}

/** A report starts as a failure with no call made, so that a crash reports failure. */
export function newFlowReport<R extends string>(): FlowReport<R> {
  return { result: 'failed', attempts: 0, warnings: [], notes: [] }
}

/**
 * The outputs an action declares, from its report: `names` are the action.yml outputs, each
 * computed the same way for every action. Text from the server is redacted and capped.
 */
export function flowOutputs(
  report: FlowReport,
  redactor: Redactor,
  names: readonly string[],
  succeeded: boolean
): Record<string, string> {
  const latest = { ...report.before, ...report.after }
  // After a call whose outcome is unknown, the state read before it may no longer be current.
  const current = report.failure?.next === 'settle' ? report.after : (report.after ?? report.before)
  const all: Record<string, string | number | undefined> = {
    success: String(succeeded),
    result: report.result,
    'phone-number-id': report.phoneNumberId,
    'display-phone-number': latest.displayPhoneNumber,
    'verified-name': latest.verifiedName,
    'platform-type': current?.platformType,
    'phone-number-status': current?.status,
    attempts: report.attempts,
    'http-status': report.httpStatus,
    'error-code': report.failure?.code,
    'error-subcode': report.failure?.subcode,
    'error-message': report.errorMessage,
    'fbtrace-id': report.fbtraceId,
    response: report.response
  }
  const unknown = names.filter(name => !(name in all))
  if (unknown.length > 0) throw new Error(`No value for the outputs ${unknown.join(', ')}`)
  const fields = Object.fromEntries(names.map(name => [name, all[name]]))
  return shownOutputs(fields, report, redactor)
}

/** The trace id of a response, from its header, as inert text. */
export function traceIdOf(exchange: HttpExchange): string | undefined {
  const header = exchange.headers['x-fb-trace-id']
  const first = Array.isArray(header) ? header[0] : header
  return first === undefined ? undefined : neutralize(first)
}
