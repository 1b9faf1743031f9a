import type * as core from '@actions/core'
import type { PhoneNumberState } from './phone-number.js'
import { MAX_MESSAGE_LENGTH, type Result, type RunReport, type WiringReport } from './report.js'
import type { Redactor } from './redact.js'
import { describeStorage } from './storage.js'

type Summary = typeof core.summary

const RESULT_LABELS: Record<Result, string> = {
  registered: '✅ registered',
  'already-registered': '✅ already registered (no register call)',
  'dry-run': '🧪 dry run (no register call)',
  failed: '❌ failed',
  uncertain: '⚠️ uncertain: the register call may have gone through; check before running again'
}

/**
 * Writes the job summary. Everything that came from the server or the inputs is redacted and
 * HTML-escaped: core.summary inserts cell text as HTML.
 */
export function buildSummary(summary: Summary, report: RunReport, redactor: Redactor): Summary {
  const rows: SummaryRow[] = [
    ...numberRows(report),
    ['Storage before', report.storageBefore && describeStorage(report.storageBefore)],
    ['Storage after', report.storageAfter && describeStorage(report.storageAfter)],
    ...deregistrationRows(report),
    ['Result', resultLabel(report)],
    ['Register calls', String(report.attempts)],
    ['HTTP status', report.httpStatus?.toString()],
    ['fbtrace_id', report.fbtraceId],
    durationRow(report)
  ]
  const planned = [report.plannedRequest, ...(report.wiring?.planned ?? [])].filter(Boolean)
  const wiring = report.wiring
  const details: SummaryDetails = {
    ...report,
    plannedRequest: planned.length > 0 ? planned.join('\n') : undefined,
    ...(wiring && { afterTable: show => addWiring(summary, wiring, show) })
  }
  return writeSummary(summary, 'WhatsApp Cloud API registration', rows, details, redactor)
}

/** The deregistration of a storage-region change, when one was started. */
function deregistrationRows(report: RunReport): SummaryRow[] {
  const deregistration = report.deregistration
  if (!deregistration) return []
  const done: Record<typeof deregistration.done, string> = {
    yes: 'yes, to change the storage region (confirmed by a read)',
    no: 'no: the number was left registered',
    unknown: 'unknown: the deregister call may have gone through'
  }
  return [
    ['Deregistered', done[deregistration.done]],
    ['Deregister calls', String(deregistration.attempts)]
  ]
}

function resultLabel(report: RunReport): string {
  if (report.result === 'uncertain' && report.deregistration?.done === 'unknown') {
    return '⚠️ uncertain: the deregister call may have gone through; check before running again'
  }
  return RESULT_LABELS[report.result]
}

/** A row of the summary's table; one without a value is left out. */
export type SummaryRow = [string, string | undefined]

/** The number, and its platform before and after: the first rows of every action's table. */
export function numberRows(report: {
  phoneNumberId?: string
  before?: PhoneNumberState
  after?: PhoneNumberState
}): SummaryRow[] {
  return [
    ['Phone number ID', report.phoneNumberId],
    ['Display number', report.after?.displayPhoneNumber ?? report.before?.displayPhoneNumber],
    ['Verified name', report.after?.verifiedName ?? report.before?.verifiedName],
    ['Platform before', platform(report.before)],
    ['Platform after', platform(report.after)]
  ]
}

export function durationRow(report: { durationMs?: number }): SummaryRow {
  return [
    'Duration',
    report.durationMs === undefined ? undefined : `${(report.durationMs / 1000).toFixed(1)} s`
  ]
}

/** What every action's summary shows besides its table. */
export interface SummaryDetails {
  /** What the person must know or do next: shown right after the table. */
  notes?: string[]
  plannedRequest?: string
  inputProblems?: string[]
  unmet?: string
  errorMessage?: string
  warnings: string[]
  /** A section of the action's own, right after the table. */
  afterTable?: (show: (text: string) => string) => void
}

/**
 * Writes a summary: the table of `rows` (unset ones left out), then what to do next, the planned
 * request of a dry run, what went wrong and the warnings. Everything that came from the server or
 * the inputs is redacted and HTML-escaped: core.summary inserts cell text as HTML.
 */
export function writeSummary(
  summary: Summary,
  title: string,
  rows: SummaryRow[],
  details: SummaryDetails,
  redactor: Redactor
): Summary {
  const show = (text: string): string => escapeHtml(redactor.redact(text, MAX_MESSAGE_LENGTH))
  const own = (text: string): string =>
    escapeHtml(redactor.redact(text, MAX_MESSAGE_LENGTH, { fragments: false }))
  summary.addHeading(title, 2).addTable([
    [
      { data: 'Item', header: true },
      { data: 'Value', header: true }
    ],
    ...rows
      .filter((row): row is [string, string] => row[1] !== undefined)
      .map(([name, value]) => [name, show(value)])
  ])
  details.afterTable?.(show)
  if (details.notes && details.notes.length > 0) {
    summary.addHeading('What to do next', 3).addList(details.notes.map(own))
  }
  if (details.plannedRequest) {
    summary.addHeading('What a real run would send', 3).addCodeBlock(own(details.plannedRequest))
  }
  if (details.inputProblems) {
    summary.addHeading('Input problems', 3).addList(details.inputProblems.map(own))
  } else if (details.unmet) {
    summary.addHeading('Not as asked', 3).addCodeBlock(show(details.unmet))
  } else if (details.errorMessage) {
    summary.addHeading('What went wrong', 3).addCodeBlock(show(details.errorMessage))
  }
  if (details.warnings.length > 0)
    summary.addHeading('Warnings', 3).addList(details.warnings.map(show))
  return summary
}

/** The app subscription and the webhook URL: whether the number can receive messages. */
function addWiring(summary: Summary, wiring: WiringReport, show: (text: string) => string): void {
  const subscribed =
    wiring.subscribed === undefined
      ? 'unknown'
      : wiring.subscribed
        ? `✅ yes${wiring.subscribedNow ? ' (subscribed by this run)' : ''}`
        : '❌ no'
  const webhook =
    wiring.webhook === undefined
      ? 'unknown'
      : wiring.webhook === null
        ? 'none set (number, WABA or app)'
        : `${wiring.webhook.url} (${wiring.webhook.source}${wiring.overrideSetNow ? ', set by this run' : ''})`
  const rows: [string, string][] = [
    ['WhatsApp Business Account', wiring.wabaId],
    ['App', wiring.app ? `${wiring.app.name ?? '?'} (${wiring.app.id})` : 'unknown'],
    ['Subscribed', subscribed],
    ['Webhook URL', webhook]
  ]
  summary.addHeading('Receiving messages', 3).addTable([
    [
      { data: 'Item', header: true },
      { data: 'Value', header: true }
    ],
    ...rows.map(([name, value]) => [name, show(value)])
  ])
}

/** `CLOUD_API (CONNECTED)`, or undefined when the state says neither. */
function platform(state: PhoneNumberState | undefined): string | undefined {
  if (!state?.platformType && !state?.status) return undefined
  return `${state.platformType ?? '?'} (${state.status ?? '?'})`
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`)
}
