/**
 * `npm run demo`: the action without a Meta account. Starts the in-repo Graph API simulator on
 * 127.0.0.1 in this process and runs the committed dist/index.js against it as the runner does
 * (a fresh node process, INPUT_* variables, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files), three
 * times. Prints each run's log, outputs and job summary, then a verdict per run; exits 0 when all
 * three outcomes are as expected, 1 otherwise.
 */
import { fileURLToPath } from 'node:url'
import { runAction, type ActionRun } from '../sim/action-runner.js'
import { findLeaks } from '../__tests__/e2e/leaks.js'
import { GraphSimulator, type SimNumber } from '../sim/graph-simulator.js'
import { ANSI, PLAIN, masker, renderLog, renderSummary, width } from './demo-render.js'

// Demo secrets, random-looking: none shares a 6-character run with an id, a display number or
// ordinary log text, so masking them hides nothing else and the leak check cannot be fooled.
const TOKEN = 'EAAJd3moXk7QvR2pLw9ZtB4nYcHf'
const BAKERY = {
  id: '106540352242922',
  pin: '408213',
  backup: { data: 'T25QcmVtLWRlbW8tYmFja3VwLXZHN3FLMnhS', password: 'r7#Lq2-Wv9xK' }
}
const FERRIES = {
  id: '117683954103586',
  pin: '519374',
  wrongPin: '862057',
  backup: { data: 'eyJkZW1vIjoiZmVycmllcy1wTjRrUTh3WjJ2In0', password: 'Hs5!mT3c-Yb8' }
}

/** Every secret the demo gives the action, for the end-to-end test of the demo. */
export const DEMO_SECRETS = [
  TOKEN,
  BAKERY.pin,
  BAKERY.backup.data,
  BAKERY.backup.password,
  FERRIES.pin,
  FERRIES.wrongPin,
  FERRIES.backup.data,
  FERRIES.backup.password
]

const NUMBERS: SimNumber[] = [
  {
    id: BAKERY.id,
    displayPhoneNumber: '+1 555-0100',
    verifiedName: 'Harbour Lights Bakery',
    platformType: 'ON_PREMISE',
    status: 'CONNECTED',
    pin: BAKERY.pin,
    backup: BAKERY.backup
  },
  {
    id: FERRIES.id,
    displayPhoneNumber: '+1 555-0123',
    verifiedName: 'Northwind Ferries',
    platformType: 'ON_PREMISE',
    status: 'CONNECTED',
    pin: FERRIES.pin,
    backup: FERRIES.backup
  }
]

/** What decides whether a step went as expected. */
interface Expected {
  /** The action's `result` output. */
  result: string
  exitCode: number
  /** Register calls the simulator received for the step's number during the step. */
  registerCalls: number
  /** The `error-code` output; compared only when the expectation names one. */
  errorCode?: string
}

interface Step {
  /** Short, for the verdict. */
  name: string
  /** The step's heading. */
  title: string
  /** What the step is, for a person who does not know the action yet. */
  about: string
  numberId: string
  pin: string
  backup: { data: string; password: string }
  expected: Expected
}

const STEPS: Step[] = [
  {
    name: 'migration',
    title: 'Migrate +1 555-0100 from the On-Premises API, with its backup',
    about:
      'The number is still served On-Premises. The action checks the inputs, reads the number, ' +
      'registers it on the Cloud API with the PIN and the backup, and reads it again.',
    numberId: BAKERY.id,
    pin: BAKERY.pin,
    backup: BAKERY.backup,
    expected: { result: 'registered', exitCode: 0, registerCalls: 1 }
  },
  {
    name: 're-run',
    title: 'Run the same step again',
    about:
      'A re-run of the same job, as after a retried workflow. The pre-flight read finds the ' +
      'number on CLOUD_API and CONNECTED, so the action leaves it alone: no register call.',
    numberId: BAKERY.id,
    pin: BAKERY.pin,
    backup: BAKERY.backup,
    expected: { result: 'already-registered', exitCode: 0, registerCalls: 0 }
  },
  {
    name: 'wrong PIN',
    title: 'Migrate +1 555-0123 with a mistyped PIN',
    about:
      'A second On-Premises number, given a PIN that is not its two-step verification PIN. Meta ' +
      'answers 133005; retrying cannot help, so the action fails after one register call.',
    numberId: FERRIES.id,
    pin: FERRIES.wrongPin,
    backup: FERRIES.backup,
    expected: { result: 'failed', exitCode: 1, registerCalls: 1, errorCode: '133005' }
  }
]

const paint = process.stdout.isTTY && !process.env.NO_COLOR ? ANSI : PLAIN
const print = (text = ''): void => console.log(text)

function banner(text: string): void {
  const rule = '='.repeat(Math.max(72, width(text) + 2))
  print()
  print(paint.cyan(rule))
  print(paint.cyan(paint.bold(` ${text}`)))
  print(paint.cyan(rule))
}

function section(text: string): void {
  print()
  print(paint.bold(`--- ${text} ${'-'.repeat(Math.max(3, 68 - width(text)))}`))
}

function wrap(text: string, columns: number): string {
  return text.replace(new RegExp(`(.{1,${columns}})(?: +|$)`, 'g'), '$1\n').trimEnd()
}

/** `name = value` lines with the names aligned and later lines of a value under its first. */
function renderOutputs(outputs: Record<string, string>, mask: (text: string) => string): string {
  const names = Object.keys(outputs)
  if (names.length === 0) return paint.dim('(none)')
  const column = Math.max(...names.map(name => name.length))
  return names
    .map(name => {
      const lines = mask(outputs[name]).split('\n')
      return `${name.padEnd(column)} = ${lines.join(`\n${' '.repeat(column + 3)}`)}`
    })
    .join('\n')
}

interface Outcome {
  step: Step
  got: Expected
  leaks: string[]
}

function facts(outcome: Expected): string {
  const calls = `${outcome.registerCalls} register call${outcome.registerCalls === 1 ? '' : 's'}`
  const error = outcome.errorCode ? `, error ${outcome.errorCode}` : ''
  return `${outcome.result}, exit ${outcome.exitCode}, ${calls}${error}`
}

function asExpected({ step, got, leaks }: Outcome): boolean {
  return facts(got) === facts(step.expected) && leaks.length === 0
}

async function runStep(sim: GraphSimulator, url: string, step: Step, n: number): Promise<Outcome> {
  const inputs: Record<string, string> = {
    'access-token': TOKEN,
    'phone-number-id': step.numberId,
    pin: step.pin,
    'backup-data': step.backup.data,
    'backup-password': step.backup.password,
    'graph-api-url': url
  }
  const secrets = [TOKEN, step.pin, step.backup.data, step.backup.password]

  banner(`Step ${n} of ${STEPS.length}: ${step.title}`)
  print(wrap(step.about, 100))
  print(paint.dim(`Expected: ${facts(step.expected)}.`))
  section('Inputs (INPUT_* variables; secrets shown as ***)')
  print(
    Object.entries(inputs)
      .map(([name, value]) => `${name} = ${secrets.includes(value) ? '***' : value}`)
      .join('\n')
  )

  const before = sim.registerCalls(step.numberId).length
  const run: ActionRun = await runAction(inputs)
  const registerCalls = sim.registerCalls(step.numberId).length - before
  const mask = masker(run.stdout)

  section('Log (what the runner shows)')
  print(renderLog(run.stdout, paint))
  if (run.stderr.trim() !== '') print(paint.red(mask(run.stderr.trimEnd())))
  print(paint.dim(`(exit code ${run.exitCode ?? run.signal})`))
  section('Outputs')
  print(renderOutputs(run.outputs, mask))
  section('Job summary')
  print(run.summary.trim() === '' ? paint.dim('(empty)') : mask(renderSummary(run.summary, paint)))

  const errorCode = step.expected.errorCode === undefined ? undefined : run.outputs['error-code']
  return {
    step,
    got: {
      result: run.outputs.result ?? '(none)',
      exitCode: run.exitCode ?? -1,
      registerCalls,
      errorCode
    },
    leaks: findLeaks(run, secrets)
  }
}

async function main(): Promise<number> {
  const sim = new GraphSimulator({ numbers: NUMBERS, tokens: [TOKEN] })
  const outcomes: Outcome[] = []
  try {
    const url = await sim.start()
    print(paint.bold('WhatsApp Cloud API Register: a demo against the in-repo Graph API simulator'))
    print(`Simulator: ${url} (in this process, 127.0.0.1 only). Numbers it knows:`)
    for (const number of NUMBERS) {
      print(
        `  ${number.id}  ${number.displayPhoneNumber}  ${number.verifiedName}: ` +
          `${number.platformType}, awaiting a migration with a backup`
      )
    }
    print('Each step runs dist/index.js in a fresh node process, as the runner does.')
    for (const [i, step] of STEPS.entries()) outcomes.push(await runStep(sim, url, step, i + 1))
  } catch (error) {
    print(
      paint.red(`The demo could not run: ${error instanceof Error ? error.message : String(error)}`)
    )
  } finally {
    await sim.stop()
  }

  return printVerdict(outcomes) ? 0 : 1
}

/** One verdict per step, expected against got; true when every step went as expected. */
function printVerdict(outcomes: Outcome[]): boolean {
  banner('Verdict')
  STEPS.forEach((step, i) => {
    const outcome = outcomes[i]
    const ok = outcome !== undefined && asExpected(outcome)
    const mark = ok ? paint.green('PASS') : paint.red('FAIL')
    print(`${mark}  ${`${i + 1}. ${step.name}`.padEnd(13)} expected ${facts(step.expected)}`)
    print(`${' '.repeat(19)} got      ${outcome ? facts(outcome.got) : '(not run)'}`)
    for (const leak of outcome?.leaks ?? []) print(paint.red(`${' '.repeat(19)} leaked   ${leak}`))
  })
  const failed = STEPS.length - outcomes.filter(asExpected).length
  print()
  print(
    failed === 0
      ? paint.green(`All ${STEPS.length} outcomes as expected.`)
      : paint.red(`${failed} of ${STEPS.length} outcomes not as expected.`)
  )
  return failed === 0
}

// Run only as a program, so that the test can import DEMO_SECRETS.
if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = await main()
