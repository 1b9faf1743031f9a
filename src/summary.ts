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
  const show = (text: string): string => escapeHtml(redactor.redact(text, MAX_MESSAGE_LENGTH))
  const rows: [string, string | undefined][] = [
    ['Phone number ID', report.phoneNumberId],
    ['Display number', report.after?.displayPhoneNumber ?? report.before?.displayPhoneNumber],
    ['Verified name', report.after?.verifiedName ?? report.before?.verifiedName],
    ['Platform before', platform(report.before)],
    ['Platform after', platform(report.after)],
    ['Storage before', report.storageBefore && describeStorage(report.storageBefore)],
    ['Storage after', report.storageAfter && describeStorage(report.storageAfter)],
    ['Result', RESULT_LABELS[report.result]],
    ['Register calls', String(report.attempts)],
    ['HTTP status', report.httpStatus?.toString()],
    ['fbtrace_id', report.fbtraceId],
    [
      'Duration',
      report.durationMs === undefined ? undefined : `${(report.durationMs / 1000).toFixed(1)} s`
    ]
  ]
  summary.addHeading('WhatsApp Cloud API registration', 2).addTable([
    [
      { data: 'Item', header: true },
      { data: 'Value', header: true }
    ],
    ...rows
      .filter((row): row is [string, string] => row[1] !== undefined)
      .map(([name, value]) => [name, show(value)])
  ])
  if (report.wiring) addWiring(summary, report.wiring, show)
  const planned = [report.plannedRequest, ...(report.wiring?.planned ?? [])].filter(Boolean)
  if (planned.length > 0) {
    const text = redactor.redact(planned.join('\n'), MAX_MESSAGE_LENGTH, { fragments: false })
    summary.addHeading('What a real run would send', 3).addCodeBlock(escapeHtml(text))
  }
  if (report.inputProblems) {
    const problems = report.inputProblems.map(problem =>
      escapeHtml(redactor.redact(problem, MAX_MESSAGE_LENGTH, { fragments: false }))
    )
    summary.addHeading('Input problems', 3).addList(problems)
  } else if (report.unmet) {
    summary.addHeading('Not as asked', 3).addCodeBlock(show(report.unmet))
  } else if (report.errorMessage) {
    summary.addHeading('What went wrong', 3).addCodeBlock(show(report.errorMessage))
  }
  if (report.warnings.length > 0)
    summary.addHeading('Warnings', 3).addList(report.warnings.map(show))
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

function platform(state: PhoneNumberState | undefined): string | undefined {
  if (!state?.platformType && !state?.status) return undefined
  return `${state.platformType ?? '?'} (${state.status ?? '?'})`
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`)
}
