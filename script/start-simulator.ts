/**
 * Starts the Graph API simulator (sim/cli.ts) in the background, on any OS, for CI jobs that run
 * the action against it: waits until the simulator listens, prints its `GRAPH_API_URL=…` line on
 * stdout (a step appends it to $GITHUB_ENV as it is) and exits, while the simulator keeps serving
 * until the job ends.
 *
 * A shell's `&` is not enough: on Windows runners, Git Bash can hold a step open for as long as a
 * background process lives. A detached child whose output goes to a file is what Node documents
 * for a process that outlives its parent, on every OS.
 *
 * Usage, after `npm run build:tools`:
 *   node .build/script/start-simulator.js --log <file> [-- <options of sim/cli.ts>]
 */
import { spawn } from 'node:child_process'
import { closeSync, openSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const URL_LINE = /^GRAPH_API_URL=(\S+)/m

export interface Started {
  /** What the simulator printed after GRAPH_API_URL=. */
  url: string
  pid: number
}

/**
 * Runs `command` detached, its stdout and stderr into `logFile`, until it prints a
 * `GRAPH_API_URL=` line. Fails with the log when the command exits first or stays silent past
 * `timeoutMs` (it is then stopped).
 */
export async function startInBackground(
  command: string,
  args: string[],
  logFile: string,
  timeoutMs = 10_000
): Promise<Started> {
  const log = openSync(logFile, 'w')
  const child = spawn(command, args, {
    detached: true,
    stdio: ['ignore', log, log],
    windowsHide: true
  })
  closeSync(log)
  let ended: string | undefined
  child.once('exit', (code, signal) => (ended = signal ?? `exit code ${code}`))
  child.once('error', error => (ended = error.message))
  child.unref()

  const deadline = Date.now() + timeoutMs
  for (;;) {
    const output = readFileSync(logFile, 'utf8')
    const url = URL_LINE.exec(output)?.[1]
    if (url !== undefined && child.pid !== undefined) return { url, pid: child.pid }
    if (ended !== undefined) {
      throw new Error(`the simulator ended (${ended}) before it listened. Its output:\n${output}`)
    }
    if (Date.now() > deadline) {
      child.kill()
      throw new Error(
        `the simulator printed no GRAPH_API_URL line within ${timeoutMs / 1000} s. Its output:\n${output}`
      )
    }
    await sleep(50)
  }
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { log: { type: 'string' } },
    allowPositionals: true
  })
  if (values.log === undefined) {
    process.stderr.write(
      'Usage: node .build/script/start-simulator.js --log <file> [-- <simulator options>]\n'
    )
    return 2
  }
  const cli = fileURLToPath(new URL('../sim/cli.js', import.meta.url))
  try {
    const { url, pid } = await startInBackground(
      process.execPath,
      [cli, ...positionals],
      values.log
    )
    process.stdout.write(`GRAPH_API_URL=${url}\n`)
    process.stderr.write(`Graph API simulator on ${url} (pid ${pid}), log in ${values.log}.\n`)
    return 0
  } catch (error) {
    process.stderr.write(
      `start-simulator: ${error instanceof Error ? error.message : String(error)}\n`
    )
    return 1
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2))
}
