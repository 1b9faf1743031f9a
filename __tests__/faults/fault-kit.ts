/**
 * Shared pieces of the fault-injection suites: secrets, a number awaiting migration, a run of the
 * bundled action held to the rules every fault must keep (ended by itself, no stack trace, secrets
 * masked and shown nowhere), and small loopback servers that misbehave where the simulator cannot.
 *
 * Faults run side by side (`it.concurrent`): each starts its own servers on ports of their own and
 * passes its environment to the action instead of changing process.env. jest runs no `afterEach`
 * for concurrent tests, so servers are stopped in `afterAll(stopAll)`.
 */
import {
  createServer as createHttpServer,
  request as httpRequest,
  type Server as HttpServer
} from 'node:http'
import { connect, createServer as createNetServer, type Server, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'
import { expect } from '@jest/globals'
import { GraphSimulator, type SimNumber } from '../../sim/graph-simulator.js'
import { runAction, type ActionRun } from '../../sim/action-runner.js'
import { expectMasked, expectNoLeaks } from '../e2e/leaks.js'
import { commandMessages } from '../e2e/action-scenario.js'

// Shared with the e2e scenarios.
export {
  API_VERSION,
  commandMessages,
  expectRegistered,
  expectUncertain,
  infoLines,
  PREFLIGHT
} from '../e2e/action-scenario.js'

// Random-looking values that share no 6-character run with ids, numbers or log text.
export const TOKEN = 'EAAKx4TgQ9wZbVn2Rm7PsLc8YhDf3Ju'
export const PIN = '846203'
export const BACKUP_PASSWORD = 'Wq7-tNz3#Lk9vB'
/** Multi-line, with a `\r\n`, as an On-Premises backup pasted into a secret can be. */
export const BACKUP_DATA =
  'cXZ4b2ZmbGluZS1iYWNrdXAtNzQ5Mw\r\nT2sZpHq8LmVbW4cRn6Yd\nJf5KgU9aXe2MtQw7Ns'
export const SECRETS = [TOKEN, PIN, BACKUP_DATA, BACKUP_PASSWORD]

export const NUMBER_ID = '371592648105'

/** An On-Premises number that awaits a migration with the backup above. */
export function onPremiseNumber(): SimNumber {
  return {
    id: NUMBER_ID,
    displayPhoneNumber: '+1 555-0133',
    verifiedName: 'Lantern Street Books',
    platformType: 'ON_PREMISE',
    status: 'CONNECTED',
    pin: PIN,
    backup: { data: BACKUP_DATA, password: BACKUP_PASSWORD }
  }
}

/** The migration's inputs against `url`; `extra` adds or overrides. */
export function migration(url: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'access-token': TOKEN,
    'phone-number-id': NUMBER_ID,
    pin: PIN,
    'backup-data': BACKUP_DATA,
    'backup-password': BACKUP_PASSWORD,
    'graph-api-url': url,
    ...extra
  }
}

/** Servers the faults of a file started, stopped by `stopAll` in afterAll. */
const running: { stop(): Promise<void> }[] = []

export async function stopAll(): Promise<void> {
  await Promise.all(running.splice(0).map(server => server.stop()))
}

export async function startSimulator(
  numbers: SimNumber[] = [onPremiseNumber()]
): Promise<{ sim: GraphSimulator; url: string }> {
  const sim = new GraphSimulator({ numbers, tokens: [TOKEN] })
  running.push(sim)
  const url = await sim.start()
  return { sim, url }
}

/**
 * Runs the bundled action and holds it to what every fault must keep: it ends by itself well before
 * `killAfterMs` (the harness kills it then), prints no stack trace, masks every secret and shows
 * none anywhere.
 */
export async function runFault(
  inputs: Record<string, string>,
  options: { killAfterMs?: number; env?: Record<string, string> } = {}
): Promise<ActionRun> {
  const run = await runAction(inputs, {
    timeoutMs: options.killAfterMs ?? 30_000,
    ...(options.env && { env: options.env })
  })
  expect(run.signal).toBeNull()
  expectNoStackTrace(run)
  expectMasked(run, SECRETS)
  expectNoLeaks(run, SECRETS)
  return run
}

/** No `    at …` frame and no `SomethingError:` dump in what the action printed. */
export function expectNoStackTrace(run: ActionRun): void {
  for (const text of [run.stdout, run.stderr]) {
    expect(text).not.toMatch(/^\s+at\s/m)
    expect(text).not.toMatch(/\b\w*Error:/)
  }
  expect(run.stderr).toBe('')
}

/** A failed run: exit code 1, `success=false`, `result=failed`, and the one failure message. */
export function expectFailure(run: ActionRun, attempts: number): string {
  expect(run.exitCode).toBe(1)
  expect(run.outputs).toMatchObject({
    success: 'false',
    result: 'failed',
    attempts: String(attempts)
  })
  const messages = commandMessages(run, 'error')
  expect(messages).toHaveLength(1)
  expect(run.outputs['error-message']).toBe(messages[0])
  return messages[0]
}

/** Listens on 127.0.0.1, any free port; the server is stopped by `stopAll`, connections and all. */
async function listen(server: Server | HttpServer, sockets: Set<Socket>): Promise<number> {
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
  running.push({
    stop: () =>
      new Promise<void>(resolve => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  return (server.address() as AddressInfo).port
}

/** A port on 127.0.0.1 where nothing listens: taken from the system, then released. */
export async function closedPort(): Promise<number> {
  const server = createNetServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>(resolve => server.close(() => resolve()))
  return port
}

/**
 * A TCP server that resets every connection as soon as it is accepted, before a byte of the
 * request is read. Counts the connections.
 */
export async function resettingServer(): Promise<{ url: string; connections: () => number }> {
  let connections = 0
  const server = createNetServer(socket => {
    connections++
    socket.resetAndDestroy()
  })
  const port = await listen(server, new Set())
  return { url: `http://127.0.0.1:${port}`, connections: () => connections }
}

/** An HTTP server that answers 404 to everything and counts the connections it accepted. */
export async function recordingServer(): Promise<{ url: string; connections: () => number }> {
  let connections = 0
  const server = createHttpServer((_req, res) => res.writeHead(404).end())
  server.on('connection', () => connections++)
  const port = await listen(server, new Set())
  return { url: `http://127.0.0.1:${port}`, connections: () => connections }
}

/** What went through the forward proxy. */
export interface ProxyLog {
  /** Targets of CONNECT requests, such as `graph.test:443`. */
  connects: string[]
  /** Absolute URIs of plain-http requests. */
  requests: string[]
  /** Every byte the client sent through a CONNECT tunnel. */
  tunnelled: () => Buffer
}

/**
 * A forward proxy on 127.0.0.1: CONNECT tunnels go to `tunnelTo` (a local port, whatever host was
 * asked for), absolute-URI requests are forwarded as plain http. It records what it was asked.
 */
export async function forwardProxy(tunnelTo: number): Promise<{ url: string; log: ProxyLog }> {
  const chunks: Buffer[] = []
  const log: ProxyLog = { connects: [], requests: [], tunnelled: () => Buffer.concat(chunks) }
  const sockets = new Set<Socket>()
  const server = createHttpServer((req, res) => {
    log.requests.push(req.url ?? '')
    const upstream = httpRequest(
      req.url ?? '',
      { method: req.method, headers: req.headers },
      answer => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      }
    )
    upstream.on('error', () => res.destroy())
    req.pipe(upstream)
  })
  server.on('connect', (req, client: Socket, head: Buffer) => {
    log.connects.push(req.url ?? '')
    const upstream = connect(tunnelTo, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      if (head.length > 0) upstream.write(head)
      client.on('data', (chunk: Buffer) => chunks.push(chunk))
      client.pipe(upstream).pipe(client)
    })
    sockets.add(upstream).add(client)
    upstream.on('error', () => client.destroy())
    client.on('error', () => upstream.destroy())
  })
  const port = await listen(server, sockets)
  return { url: `http://127.0.0.1:${port}`, log }
}
