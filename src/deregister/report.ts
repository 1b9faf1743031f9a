import type * as core from '@actions/core'
import type { Reporting } from '../finish.js'
import { flowOutputs, type FlowReport } from '../flow-report.js'
import type { Redactor } from '../redact.js'
import { durationRow, numberRows, writeSummary } from '../summary.js'

type Summary = typeof core.summary

export type DeregisterResult =
  'deregistered' | 'already-deregistered' | 'dry-run' | 'failed' | 'uncertain'

export type DeregisterReport = FlowReport<DeregisterResult>

/** The outputs deregister/action.yml declares, in its order (a test keeps them equal). */
export const DEREGISTER_OUTPUTS = [
  'success',
  'result',
  'attempts',
  'platform-type',
  'phone-number-status',
  'error-code',
  'error-subcode',
  'error-message',
  'fbtrace-id'
] as const

const SUCCESSES: readonly DeregisterResult[] = ['deregistered', 'already-deregistered', 'dry-run']

const RESULT_LABELS: Record<DeregisterResult, string> = {
  deregistered: '✅ deregistered',
  'already-deregistered': '✅ already not registered (no deregister call)',
  'dry-run': '🧪 dry run (no deregister call)',
  failed: '❌ failed',
  uncertain: '⚠️ uncertain: the deregister call may have gone through; check before running again'
}

const OUTCOME_IN_WORDS: Record<DeregisterResult, string> = {
  deregistered: 'The number was deregistered',
  'already-deregistered': 'The number was not registered and was left alone',
  'dry-run': 'The dry run changed nothing',
  failed: 'The run failed',
  uncertain: 'The outcome of the deregister call is uncertain'
}

function succeeded(report: DeregisterReport): boolean {
  return SUCCESSES.includes(report.result)
}

function buildSummary(summary: Summary, report: DeregisterReport, redactor: Redactor): Summary {
  return writeSummary(
    summary,
    'WhatsApp Cloud API deregistration',
    [
      ...numberRows(report),
      ['Result', RESULT_LABELS[report.result]],
      ['Deregister calls', String(report.attempts)],
      ['HTTP status', report.httpStatus?.toString()],
      ['fbtrace_id', report.fbtraceId],
      durationRow(report)
    ],
    report,
    redactor
  )
}

export const DEREGISTER_REPORTING: Reporting<DeregisterReport> = {
  outputs: (report, redactor) =>
    flowOutputs(report, redactor, DEREGISTER_OUTPUTS, succeeded(report)),
  succeeded,
  outcome: report => OUTCOME_IN_WORDS[report.result],
  failureMessage: report => report.errorMessage ?? 'Deregistration failed.',
  ownMessage: report => report.inputProblems !== undefined,
  summary: buildSummary
}
