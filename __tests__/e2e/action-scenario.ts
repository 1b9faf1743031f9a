/**
 * Shared pieces of the e2e scenario suites (`*.e2e.test.ts`): secrets that share no 6-character run
 * with ids, display numbers or log text, numbers in the states the scenarios need, simulators that
 * the suite stops after all its scenarios, and readers for what a person sees in the log.
 *
 * Scenarios run side by side (`it.concurrent`): each starts its own simulator on a port of its
 * own, runAction gives each run its own temporary folders, and no scenario changes process.env.
 * jest runs no `afterEach` for concurrent tests, so servers are stopped in
 * `afterAll(stopSimulators)`.
 */
import { createServer, request as httpRequest, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { expect } from '@jest/globals'
import {
  GraphSimulator,
  type GraphSimulatorOptions,
  type RecordedRequest,
  type SimNumber
} from '../../sim/graph-simulator.js'
import { runAction, type ActionRun, type RunOptions } from '../../sim/action-runner.js'
import { DEFAULT_API_VERSION } from '../../src/constants.js'
import { lookupKnownError } from '../../src/error-codes.js'
import { expectMasked, expectNoLeaks } from './leaks.js'

/** The Graph version the action calls when `api-version` is not given: paths and logs name it. */
export const API_VERSION = DEFAULT_API_VERSION

/**
 * What every run with a pre-flight (and every dry run) reads first on the default Graph version
 * (v21.0 and newer): the number, then its storage settings (docs/how-it-decides.md, "Local
 * storage"). Request shapes start with these routes.
 */
export const PREFLIGHT = ['read', 'settings'] as const

// Random-looking values: no digit run of the PINs occurs in an id or display number below.
export const TOKEN = 'EAAGq7vWzR3kTb9XnYpL2cQfHs4DuJe8'
export const OTHER_TOKEN = 'EAAJm5NcTy8xWq2ZrKb7PdLo3VgAs6Fh'
export const PIN = '724918'
export const WRONG_PIN = '583062'
export const LEADING_ZERO_PIN = '004217'
export const BACKUP_DATA = 'Zm9yLW9ucHJlbS1taWdyYXRpb24tWkt4cVI3dFY5bkw2'
export const BACKUP_PASSWORD = 'hQ4!vN8r#Tz2-Lp'

export const ON_PREMISE_ID = '301864759201467'
export const NEW_NUMBER_ID = '410275398611852'
export const CLOUD_ID = '519386407722963'
export const UNKNOWN_ID = '628497518833074'

/** An On-Premises number that awaits a migration with `backup`. */
export function onPremiseNumber(
  backup = { data: BACKUP_DATA, password: BACKUP_PASSWORD }
): SimNumber {
  return {
    id: ON_PREMISE_ID,
    displayPhoneNumber: '+1 555-0142',
    verifiedName: 'Harbour Lights Bakery',
    platformType: 'ON_PREMISE',
    status: 'CONNECTED',
    pin: PIN,
    backup
  }
}

/** A number never registered anywhere: no PIN set yet, so any 6-digit PIN becomes its PIN. */
export function newNumber(): SimNumber {
  return {
    id: NEW_NUMBER_ID,
    displayPhoneNumber: '+1 555-0177',
    verifiedName: 'Northwind Ferries',
    platformType: 'NOT_APPLICABLE',
    status: 'PENDING',
    pin: null
  }
}

/** A number already on the Cloud API. */
export function cloudNumber(): SimNumber {
  return {
    id: CLOUD_ID,
    displayPhoneNumber: '+44 7700 900361',
    verifiedName: 'Quayside Florists',
    platformType: 'CLOUD_API',
    status: 'CONNECTED',
    pin: PIN
  }
}

/**
 * Servers started by the scenarios of a file, stopped by `stopSimulators` in afterAll: a scenario
 * running beside others must not stop theirs.
 */
const running: { stop(): Promise<void> }[] = []

export async function startSimulator(
  numbers: SimNumber[],
  options: Partial<GraphSimulatorOptions> = {}
): Promise<{ sim: GraphSimulator; url: string }> {
  const sim = new GraphSimulator({ numbers, tokens: [TOKEN], ...options })
  running.push(sim)
  const url = await sim.start()
  return { sim, url }
}

export async function stopSimulators(): Promise<void> {
  await Promise.all(running.splice(0).map(server => server.stop()))
}

/** Inputs of a run against `url`; `extra` adds or overrides (an empty string unsets an input). */
export function inputs(
  url: string,
  id: string,
  extra: Record<string, string> = {}
): Record<string, string> {
  return { 'access-token': TOKEN, 'phone-number-id': id, pin: PIN, 'graph-api-url': url, ...extra }
}

/** Runs the bundled action and holds every run to the secret rules: masked, and shown nowhere. */
export async function runChecked(
  actionInputs: Record<string, string>,
  secrets: string[],
  options: RunOptions = {}
): Promise<ActionRun> {
  const run = await runAction(actionInputs, options)
  expectMasked(run, secrets)
  expectNoLeaks(run, secrets)
  return run
}

/** The routes of the requests received, in order: the shape of what the action did. */
export function routes(requests: readonly RecordedRequest[]): string[] {
  return requests.map(request => request.route)
}

/** The failure messages (`core.setFailed`), with the command escaping undone. */
export function failureMessages(run: ActionRun): string[] {
  return commandMessages(run, 'error')
}

export function warnings(run: ActionRun): string[] {
  return commandMessages(run, 'warning')
}

/** Plain log lines (core.info), without workflow commands. */
export function infoLines(run: ActionRun): string[] {
  return run.stdout.split('\n').filter(line => line !== '' && !line.startsWith('::'))
}

/** The messages of `::command::` lines (error, warning, debug), with the command escaping undone. */
export function commandMessages(run: ActionRun, command: string): string[] {
  const prefix = `::${command}::`
  const codes: Record<string, string> = { '%25': '%', '%0D': '\r', '%0A': '\n' }
  return run.stdout
    .split('\n')
    .filter(line => line.startsWith(prefix))
    .map(line => line.slice(prefix.length).replace(/%25|%0D|%0A/g, code => codes[code]))
}

/** A run that registered the number: exit 0, no error, and the outputs of a number on CLOUD_API. */
export function expectRegistered(run: ActionRun, attempts: number): void {
  expect(run.exitCode).toBe(0)
  expect(commandMessages(run, 'error')).toEqual([])
  expect(run.outputs).toMatchObject({
    success: 'true',
    result: 'registered',
    attempts: String(attempts),
    'platform-type': 'CLOUD_API',
    'phone-number-status': 'CONNECTED'
  })
}

/**
 * A run that ended with the outcome of its last register call unknown (result `uncertain`): exit 1,
 * `success=false`, the summary says so, and the one failure message tells a person to check the
 * number before running again. Returns that message.
 */
export function expectUncertain(run: ActionRun, attempts: number): string {
  expect(run.exitCode).toBe(1)
  expect(run.outputs).toMatchObject({
    success: 'false',
    result: 'uncertain',
    attempts: String(attempts)
  })
  expect(summaryRow(run, 'Result')).toMatch(/^⚠️ uncertain/)
  const message = theFailure(run)
  expect(message).toMatch(/^The outcome of the register call is uncertain: /)
  expect(message).toMatch(/check the number's platform and status/i)
  expect(message).toContain(`(${attempts} register call${attempts === 1 ? '' : 's'} made)`)
  return message
}

/**
 * The line of a failure message that says what to do about a Graph error, from the action's own
 * table (src/error-codes.ts): a test checks that the hint is given, not what it says.
 */
export function hintLine(code: number, subcode?: number): string {
  const known = lookupKnownError(code, subcode)
  if (!known) throw new Error(`The action has no hint for code ${code}`)
  return `What to do: ${known.action}`
}

/** The one failure message of a failed run, with the error-message output saying the same. */
export function theFailure(run: ActionRun): string {
  const messages = failureMessages(run)
  expect(messages).toHaveLength(1)
  expect(run.outputs['error-message']).toBe(messages[0])
  return messages[0]
}

/** The summary row `name`, as core.summary writes a table cell. */
export function summaryRow(run: ActionRun, name: string): string | undefined {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  return new RegExp(`<tr><td>${escaped}</td><td>([^<]*)</td></tr>`).exec(run.summary)?.[1]
}

/**
 * A pass-through HTTP proxy in front of the simulator that records each response's
 * `x-fb-trace-id`, so that a test can compare the action's fbtrace-id with what Meta's side sent.
 */
export async function traceRecorder(
  target: string
): Promise<{ url: string; traceIds: string[]; stop(): Promise<void> }> {
  const traceIds: string[] = []
  const server: Server = createServer((req, res) => {
    const upstream = httpRequest(
      new URL(req.url ?? '/', target),
      { method: req.method, headers: req.headers },
      answer => {
        const trace = answer.headers['x-fb-trace-id']
        if (typeof trace === 'string') traceIds.push(trace)
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      }
    )
    upstream.on('error', () => res.destroy())
    req.pipe(upstream)
  })
  const stop = (): Promise<void> =>
    new Promise(resolve => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  running.push({ stop })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}`, traceIds, stop }
}
