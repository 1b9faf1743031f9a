import type * as core from '@actions/core'
import type { Reporting } from '../finish.js'
import { flowOutputs, type FlowReport } from '../flow-report.js'
import type { Redactor } from '../redact.js'
import { durationRow, numberRows, writeSummary } from '../summary.js'

type Summary = typeof core.summary

export type SetPinResult = 'pin-set' | 'dry-run' | 'failed'

export type SetPinReport = FlowReport<SetPinResult>

/** The outputs set-pin/action.yml declares, in its order (a test keeps them equal). */
export const SET_PIN_OUTPUTS = [
  'success',
  'result',
  'error-code',
  'error-subcode',
  'error-message',
  'fbtrace-id'
] as const

const RESULT_LABELS: Record<SetPinResult, string> = {
  'pin-set': '✅ PIN set',
  'dry-run': '🧪 dry run (no PIN change)',
  failed: '❌ failed'
}

const OUTCOME_IN_WORDS: Record<SetPinResult, string> = {
  'pin-set': 'The PIN was set',
  'dry-run': 'The dry run changed nothing',
  failed: 'The run failed'
}

function succeeded(report: SetPinReport): boolean {
  return report.result !== 'failed'
}

function buildSummary(summary: Summary, report: SetPinReport, redactor: Redactor): Summary {
  return writeSummary(
    summary,
    'WhatsApp two-step verification PIN',
    [
      ...numberRows(report),
      ['Result', RESULT_LABELS[report.result]],
      ['PIN calls', String(report.attempts)],
      ['HTTP status', report.httpStatus?.toString()],
      ['fbtrace_id', report.fbtraceId],
      durationRow(report)
    ],
    report,
    redactor
  )
}

export const SET_PIN_REPORTING: Reporting<SetPinReport> = {
  outputs: (report, redactor) => flowOutputs(report, redactor, SET_PIN_OUTPUTS, succeeded(report)),
  succeeded,
  outcome: report => OUTCOME_IN_WORDS[report.result],
  failureMessage: report => report.errorMessage ?? 'Setting the PIN failed.',
  ownMessage: report => report.inputProblems !== undefined,
  summary: buildSummary
}
