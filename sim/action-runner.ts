/**
 * Runs the bundled action the way the GitHub runner does: a fresh node process with INPUT_*
 * variables, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, the workspace as working directory and
 * debug logging on. Set E2E_NODE to another node binary (Node 24) to run the same suites on it.
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** What one run of the action left behind. */
export interface ActionRun {
  /** null when the process was killed by a signal. */
  exitCode: number | null
  stdout: string
  stderr: string
  /** GITHUB_OUTPUT, parsed. */
  outputs: Record<string, string>
  /** The contents of GITHUB_STEP_SUMMARY. */
  summary: string
  /** 'SIGKILL' when the harness killed the action after timeoutMs. */
  signal: string | null
}

export interface RunOptions {
  /** Extra environment, applied last: it can override anything the harness sets. */
  env?: Record<string, string>
  /** Node binary. Default: env E2E_NODE, else the node running the tests. */
  node?: string
  /** Kill the action with SIGKILL after this long. Default 60 s. */
  timeoutMs?: number
  /** Workspace and working directory. Default: a fresh temporary directory. */
  cwd?: string
  /** Entry point to run instead of the committed bundle (e.g. a reference bundle for a benchmark). */
  script?: string
  /** Cancel the run as the runner does: send `signal` once `when()` holds (checked every 20 ms). */
  interrupt?: { when: () => boolean; signal: NodeJS.Signals }
}

/** The committed bundle that action.yml's `runs.main` names. */
export const ACTION_ENTRY = join(repositoryRoot(), 'dist', 'index.js')
/** The committed bundles of the sub-actions, as deregister/action.yml and set-pin/action.yml name them. */
export const DEREGISTER_ENTRY = join(repositoryRoot(), 'dist', 'deregister', 'index.js')
export const SET_PIN_ENTRY = join(repositoryRoot(), 'dist', 'set-pin', 'index.js')

/** The folder holding action.yml, found upwards: the harness also runs compiled, from .build/. */
function repositoryRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'action.yml'))) {
    const parent = dirname(dir)
    if (parent === dir) throw new Error('action.yml not found above the harness')
    dir = parent
  }
  return dir
}

/** The workflow command that registers a secret with the runner's masker. */
export const ADD_MASK = '::add-mask::'

/** Runs that runAction made, as opposed to runs a test put together by hand. */
const actionRuns = new WeakSet<ActionRun>()

/** Whether `run` came from runAction: the leak sweep counts real runs of the action only. */
export function isActionRun(run: ActionRun): boolean {
  return actionRuns.has(run)
}

/** Runs the action with `inputs` (names as in action.yml) and collects what it left behind. */
export async function runAction(
  inputs: Record<string, string>,
  options: RunOptions = {}
): Promise<ActionRun> {
  const script = options.script ?? ACTION_ENTRY
  if (!existsSync(script)) throw new Error(`${script} does not exist: run \`npm run bundle\` first`)

  const dir = await mkdtemp(join(tmpdir(), 'action-e2e-'))
  try {
    const outputFile = join(dir, 'github_output')
    const summaryFile = join(dir, 'step_summary')
    const runnerTemp = join(dir, 'runner_temp')
    const workspace = options.cwd ?? join(dir, 'workspace')
    await Promise.all([
      writeFile(outputFile, ''),
      writeFile(summaryFile, ''),
      mkdir(runnerTemp),
      options.cwd === undefined ? mkdir(workspace) : undefined
    ])

    // A clean environment: nothing of ours (NODE_OPTIONS from jest, proxies, tokens) leaks in.
    const env: Record<string, string> = {}
    for (const name of ['PATH', 'HOME']) {
      const value = process.env[name]
      if (value !== undefined) env[name] = value
    }
    Object.assign(env, {
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: summaryFile,
      GITHUB_WORKSPACE: workspace,
      RUNNER_DEBUG: '1',
      RUNNER_TEMP: runnerTemp
    })
    for (const [name, value] of Object.entries(inputs)) env[inputVariable(name)] = value
    Object.assign(env, options.env)

    const node = options.node ?? process.env.E2E_NODE ?? process.execPath
    const child = await spawnAndWait(
      node,
      [script],
      workspace,
      env,
      options.timeoutMs ?? 60_000,
      options.interrupt
    )
    const run: ActionRun = {
      ...child,
      outputs: parseOutputFile(await readFile(outputFile, 'utf8')),
      summary: await readFile(summaryFile, 'utf8')
    }
    actionRuns.add(run)
    return run
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** The command-line tool's bundle (`bin` in package.json). */
export const CLI_ENTRY = join(repositoryRoot(), 'dist', 'cli', 'index.js')

/** What one run of the command-line tool printed, and how it ended. */
export interface CliRun {
  exitCode: number | null
  stdout: string
  stderr: string
  signal: string | null
}

/**
 * Runs the bundled CLI with `args` in a clean environment (PATH and HOME, then `env`), from a fresh
 * temporary folder unless `cwd` is given.
 */
export async function runCli(
  args: string[],
  env: Record<string, string> = {},
  options: { cwd?: string; timeoutMs?: number } = {}
): Promise<CliRun> {
  const dir = options.cwd ?? (await mkdtemp(join(tmpdir(), 'cli-e2e-')))
  try {
    const clean: Record<string, string> = {}
    for (const name of ['PATH', 'HOME']) {
      const value = process.env[name]
      if (value !== undefined) clean[name] = value
    }
    const node = process.env.E2E_NODE ?? process.execPath
    return await spawnAndWait(
      node,
      [CLI_ENTRY, ...args],
      dir,
      { ...clean, ...env },
      options.timeoutMs ?? 60_000
    )
  } finally {
    if (options.cwd === undefined) await rm(dir, { recursive: true, force: true })
  }
}

/** As the runner names input variables: upper case, spaces to '_', hyphens kept. */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`
}

/**
 * Parses a GITHUB_OUTPUT file as the runner does: `name<<DELIMITER` lines followed by the value's
 * lines and the delimiter, or single-line `name=value`. A later value wins.
 */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs = new Map<string, string>()
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]
    if (line === '') continue
    const equals = line.indexOf('=')
    const heredoc = line.indexOf('<<')
    if (equals > 0 && (heredoc < 0 || equals < heredoc)) {
      outputs.set(line.slice(0, equals), line.slice(equals + 1))
    } else if (heredoc > 0) {
      const name = line.slice(0, heredoc)
      const delimiter = line.slice(heredoc + 2)
      const end = lines.indexOf(delimiter, i + 1)
      if (end < 0) throw new Error(`GITHUB_OUTPUT: output ${name} has no closing delimiter`)
      outputs.set(name, lines.slice(i + 1, end).join('\n'))
      i = end
    } else {
      throw new Error(`GITHUB_OUTPUT: line ${i + 1} is neither name=value nor name<<DELIMITER`)
    }
  }
  return Object.fromEntries(outputs)
}

/** The values the action registered with `::add-mask::`, with the command escaping undone. */
export function maskedValues(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter(line => line.startsWith(ADD_MASK))
    .map(line => unescapeCommandData(line.slice(ADD_MASK.length)))
}

/** Reverses @actions/core's escaping of command data: % → %25, \r → %0D, \n → %0A. */
function unescapeCommandData(data: string): string {
  const codes: Record<string, string> = { '%25': '%', '%0D': '\r', '%0A': '\n' }
  // One pass, so that an escaped '%' followed by '0A' does not turn into a line break.
  return data.replace(/%25|%0D|%0A/g, code => codes[code])
}

interface ChildResult {
  exitCode: number | null
  signal: string | null
  stdout: string
  stderr: string
}

function spawnAndWait(
  node: string,
  args: string[],
  cwd: string,
  env: Record<string, string>,
  timeoutMs: number,
  interrupt?: RunOptions['interrupt']
): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(node, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
    const watch =
      interrupt &&
      setInterval(() => {
        if (!interrupt.when()) return
        clearInterval(watch)
        child.kill(interrupt.signal)
      }, 20)
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.once('error', error => {
      clearTimeout(timer)
      clearInterval(watch)
      reject(error)
    })
    child.once('close', (exitCode, signal) => {
      clearTimeout(timer)
      clearInterval(watch)
      resolve({ exitCode, signal, stdout, stderr })
    })
  })
}
