/** Totals of a leak-sweep file. */
export interface SweepTotals {
  scenarios: number
  secretsChecked: number
  leaksFound: number
}

/** The jest reporter that prints the leak sweep's totals after a run. */
export default class LeakSweepReporter {
  onRunStart(): void
  onRunComplete(): void
  getLastError(): undefined
}

/** Sums the lines of a sweep file; a missing file counts as an empty one. */
export function sweepTotals(file: string): SweepTotals
