/**
 * Jest reporter that adds up the leak sweep across every test file and worker of a run and prints
 *
 *   Leak sweep: N scenarios, M secrets checked, L leaks found
 *
 * after jest's own summary. Each check of a real action run (`findLeaks` in __tests__/e2e/leaks.ts)
 * appends one JSON line to the file named by LEAK_SWEEP_FILE. The reporter sets that variable in
 * onRunStart, before jest starts its workers, so they inherit it.
 *
 * When LEAK_SWEEP_FILE is already set (a CI script running several jest commands, e.g. once on
 * Node 20 and once on Node 24), that file is used and kept, and the line shows its totals so far.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const VARIABLE = 'LEAK_SWEEP_FILE'

export default class LeakSweepReporter {
  /** The JSON-lines file of this run. */
  #file = ''
  /** The temporary folder this reporter made, removed at the end; empty for a preset file. */
  #ownDir = ''

  onRunStart() {
    const preset = process.env[VARIABLE]
    if (preset) {
      this.#file = preset
      return
    }
    this.#ownDir = mkdtempSync(join(tmpdir(), 'leak-sweep-'))
    this.#file = join(this.#ownDir, 'sweep.jsonl')
    writeFileSync(this.#file, '')
    process.env[VARIABLE] = this.#file
  }

  onRunComplete() {
    const totals = sweepTotals(this.#file)
    process.stderr.write(
      `Leak sweep: ${totals.scenarios} scenarios, ${totals.secretsChecked} secrets checked, ${totals.leaksFound} leaks found\n`
    )
    if (this.#ownDir) {
      rmSync(this.#ownDir, { recursive: true, force: true })
      delete process.env[VARIABLE]
      this.#ownDir = ''
    }
  }

  getLastError() {
    return undefined
  }
}

/** Sums the lines of a sweep file; a missing file counts as an empty one. */
export function sweepTotals(file) {
  const totals = { scenarios: 0, secretsChecked: 0, leaksFound: 0 }
  let text
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    return totals
  }
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue
    const entry = JSON.parse(line)
    totals.scenarios += entry.scenarios
    totals.secretsChecked += entry.secretsChecked
    totals.leaksFound += entry.leaksFound
  }
  return totals
}
