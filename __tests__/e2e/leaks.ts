/**
 * The shared leak assertion of every e2e and fault scenario: no secret, no line of a multi-line
 * secret and no fragment of one (6+ characters) may appear in stdout (outside `::add-mask::`
 * commands), stderr, GITHUB_OUTPUT or the job summary. There is no runner here to mask anything,
 * so what the action printed is exactly what would reach a log on a runner that does not mask.
 *
 * Choose secrets that share no 6-character run with ordinary log text (random-looking values):
 * a PIN '123456' next to a phone-number id '1234567890' is reported, and rightly so.
 */
import { appendFileSync } from 'node:fs'
import { ADD_MASK, isActionRun, maskedValues, type ActionRun } from '../../sim/action-runner.js'

/**
 * Running totals of findLeaks calls, for the leak-sweep report. Jest gives each test file its own
 * module instance, so these are totals for the test file that reads them.
 */
export const leakSweep = { scenarios: 0, secretsChecked: 0, leaksFound: 0 }

/**
 * Names the JSON-lines file where each check of a real run (one made by runAction) is appended,
 * so that totals add up across test files and jest workers; the leak-sweep reporter
 * (`__tests__/reporters/leak-sweep-reporter.js`) sets it and prints the totals after the run.
 */
export const LEAK_SWEEP_FILE_VARIABLE = 'LEAK_SWEEP_FILE'

const SHOWN_LINES = 5

/**
 * Describes every place where a secret shows, naming the secret by its position in `secrets` and
 * never quoting it. Empty secrets are skipped.
 */
export function findLeaks(
  run: ActionRun,
  secrets: string[],
  options: { minFragment?: number } = {}
): string[] {
  const size = options.minFragment ?? 6
  // Each secret also in the form Graph's JSON gives non-ASCII text (`\u00e9`): a parser reads it back.
  const checked = secrets
    .flatMap((value, i) =>
      [...new Set([value, unicodeEscaped(value)])].map(form => ({ value: form, n: i + 1 }))
    )
    .filter(s => s.value !== '')

  // Any leaked run of `size` or more characters contains one of these windows, so one pass over
  // each text finds every fragment, however long the secret (backups can be megabytes).
  const windows = new Map<string, number[]>()
  for (const { value, n } of checked) {
    for (let i = 0; i + size <= value.length; i++) {
      const window = value.slice(i, i + size)
      const owners = windows.get(window) ?? []
      if (owners.at(-1) !== n) owners.push(n)
      windows.set(window, owners)
    }
  }

  const leaks: string[] = []
  for (const [source, text] of sources(run)) {
    const lines = text.split('\n')
    const breaks = newlineOffsets(text)
    const fragmentLines = scanWindows(text, windows, size)
    for (const { value, n } of checked) {
      const whole = wholeValueLines(text, breaks, value)
      const valueLines = value.split(/\r?\n/)
      const byKind = new Map<string, number[]>()
      const add = (kind: string, line: number): void => {
        byKind.set(kind, [...(byKind.get(kind) ?? []), line])
      }
      for (const line of whole.starts) add('the whole value', line)
      for (const line of fragmentLines.get(n) ?? []) {
        if (whole.covered.has(line)) continue
        const piece =
          valueLines.length > 1
            ? valueLines.findIndex(v => v.length >= size && lines[line].includes(v))
            : -1
        add(piece >= 0 ? `line ${piece + 1} of the value` : `a ${size}+ character fragment`, line)
      }
      for (const [kind, found] of byKind) {
        leaks.push(`secret ${n} of ${secrets.length}: ${kind} in ${source}, ${lineList(found)}`)
      }
    }
  }

  leakSweep.scenarios += 1
  leakSweep.secretsChecked += checked.length
  leakSweep.leaksFound += leaks.length
  const sweepFile = process.env[LEAK_SWEEP_FILE_VARIABLE]
  if (sweepFile && isActionRun(run)) {
    // One short line per append: O_APPEND writes this small do not interleave between workers.
    const entry = { scenarios: 1, secretsChecked: checked.length, leaksFound: leaks.length }
    appendFileSync(sweepFile, `${JSON.stringify(entry)}\n`)
  }
  return leaks
}

/** Throws, listing where, when any secret or fragment of one shows anywhere. */
export function expectNoLeaks(run: ActionRun, secrets: string[]): void {
  const leaks = findLeaks(run, secrets)
  if (leaks.length > 0) {
    throw new Error(`The action leaked secrets:\n${leaks.map(l => `  - ${l}`).join('\n')}`)
  }
}

/**
 * Throws unless each non-empty secret was registered with `::add-mask::`: the whole value (the
 * runner then masks each of its lines too), or else every line of a multi-line value. Values are
 * compared as given and trimmed, since inputs reach the action trimmed.
 */
export function expectMasked(run: ActionRun, secrets: string[]): void {
  const masked = new Set(maskedValues(run.stdout))
  const isMasked = (value: string): boolean => masked.has(value) || masked.has(value.trim())
  const missing = secrets
    .map((value, i) => ({ value, n: i + 1 }))
    .filter(({ value }) => {
      if (value.trim() === '' || isMasked(value)) return false
      const lines = value.split(/\r?\n/).filter(line => line.trim() !== '')
      return lines.length < 2 || !lines.every(isMasked)
    })
  if (missing.length > 0) {
    const list = missing.map(({ n }) => `secret ${n} of ${secrets.length}`).join(', ')
    throw new Error(`Not registered with ${ADD_MASK}: ${list}`)
  }
}

/** Every text a person or a later step could see, by name; stdout without its mask commands. */
function sources(run: ActionRun): [string, string][] {
  // Blank the mask commands rather than drop them, so that line numbers stay those of stdout.
  const stdout = run.stdout
    .split('\n')
    .map(line => (line.startsWith(ADD_MASK) ? '' : line))
    .join('\n')
  return [
    ['stdout', stdout],
    ['stderr', run.stderr],
    ...Object.entries(run.outputs).map(([name, value]): [string, string] => [
      `output ${name}`,
      value
    ]),
    ['the summary', run.summary]
  ]
}

/** For each secret number, the (0-based) lines of `text` where one of its windows occurs. */
function scanWindows(
  text: string,
  windows: Map<string, number[]>,
  size: number
): Map<number, Set<number>> {
  const hits = new Map<number, Set<number>>()
  if (windows.size === 0) return hits
  let line = 0
  for (let i = 0; i + size <= text.length; i++) {
    if (i > 0 && text[i - 1] === '\n') line++
    for (const n of windows.get(text.slice(i, i + size)) ?? []) {
      const lines = hits.get(n) ?? new Set<number>()
      lines.add(line)
      hits.set(n, lines)
    }
  }
  return hits
}

/** Lines where the whole value starts, and every line a whole occurrence spans. */
function wholeValueLines(
  text: string,
  breaks: number[],
  value: string
): { starts: number[]; covered: Set<number> } {
  const starts: number[] = []
  const covered = new Set<number>()
  for (let at = text.indexOf(value); at >= 0; at = text.indexOf(value, at + value.length)) {
    const first = lineAt(breaks, at)
    const last = lineAt(breaks, at + value.length - 1)
    starts.push(first)
    for (let line = first; line <= last; line++) covered.add(line)
  }
  return { starts, covered }
}

function newlineOffsets(text: string): number[] {
  const offsets: number[] = []
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) offsets.push(at)
  return offsets
}

/** The 0-based line of the character at `index`: how many line breaks come before it. */
function lineAt(breaks: number[], index: number): number {
  let low = 0
  let high = breaks.length
  while (low < high) {
    const middle = (low + high) >>> 1
    if (breaks[middle] < index) low = middle + 1
    else high = middle
  }
  return low
}

/** 'line 3' or 'lines 1, 4, 9, 10, 12 and 3 more' (1-based, as an editor shows them). */
function lineList(lines: number[]): string {
  const shown = lines.slice(0, SHOWN_LINES).map(line => line + 1)
  const more = lines.length > SHOWN_LINES ? ` and ${lines.length - SHOWN_LINES} more` : ''
  return `${lines.length === 1 ? 'line' : 'lines'} ${shown.join(', ')}${more}`
}

/** Every character outside printable ASCII as `\uXXXX`, as Graph writes JSON. */
export function unicodeEscaped(text: string): string {
  return text.replace(
    /[^\x20-\x7e\n\r]/g,
    c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`
  )
}
