import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals'
import fc from 'fast-check'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { isAbsolute, join, resolve } from 'node:path'
import { generatedInputs, nearMissExamples, REGIONS, type GeneratedInputs } from './arbitraries.js'
import { LeakFinder, secretPieces, type Leak, type SecretPieces } from './leaks.js'
import type { Settings } from '../../src/inputs.js'

/*
 * Property-based tests of the input parser (issue 4, section 3), alone and through run().
 * Reproduce a failure with the seed fast-check prints: FUZZ_SEED=<seed> npm test -- __tests__/fuzz
 */

// A small @actions/core: inputs come from `current`, everything the action says is recorded.
interface Call {
  kind:
    'secret' | 'info' | 'warning' | 'debug' | 'error' | 'notice' | 'failed' | 'output' | 'summary'
  text: string
}
let current: Record<string, string> = {}
let calls: Call[] = []
const record = (kind: Call['kind']) => (message: unknown) => {
  calls.push({ kind, text: message instanceof Error ? message.message : String(message) })
}
function newSummary() {
  let buffer: string[] = []
  const cell = (value: unknown): string =>
    typeof value === 'object' && value !== null && 'data' in value
      ? String(value.data)
      : String(value)
  const summary = {
    addHeading: (text: string) => (buffer.push(text), summary),
    addTable: (rows: unknown[][]) => (buffer.push(...rows.flat().map(cell)), summary),
    addCodeBlock: (code: string) => (buffer.push(code), summary),
    addList: (items: string[]) => (buffer.push(...items), summary),
    addRaw: (text: string) => (buffer.push(text), summary),
    addEOL: () => summary,
    stringify: () => buffer.join('\n'),
    emptyBuffer: () => ((buffer = []), summary),
    write: () => {
      calls.push({ kind: 'summary', text: buffer.join('\n') })
      buffer = []
      return Promise.resolve(summary)
    }
  }
  return summary
}
const coreStub = {
  getInput: (name: string, options?: { trimWhitespace?: boolean }) =>
    options?.trimWhitespace === false ? (current[name] ?? '') : (current[name] ?? '').trim(),
  setSecret: record('secret'),
  setOutput: (name: string, value: unknown) =>
    calls.push({ kind: 'output', text: `${name}=${String(value)}` }),
  setFailed: record('failed'),
  info: record('info'),
  warning: record('warning'),
  debug: record('debug'),
  error: record('error'),
  notice: record('notice'),
  isDebug: () => true,
  summary: newSummary()
}
jest.unstable_mockModule('@actions/core', () => coreStub)
const { readSettings, InputError } = await import('../../src/inputs.js')
const { run } = await import('../../src/main.js')
const { DEFAULT_API_VERSION, DEFAULT_GRAPH_API_URL } = await import('../../src/constants.js')

const SECRET_INPUTS = ['access-token', 'pin', 'backup-data', 'backup-password', 'verify-token']
const INPUT_NAMES = [
  'access-token',
  'phone-number-id',
  'pin',
  'backup-data',
  'backup-file',
  'backup-password',
  'data-localization-region',
  'on-region-mismatch',
  'api-version',
  'graph-api-url',
  'timeout-seconds',
  'retries',
  'settle-seconds',
  'preflight',
  'skip-if-registered',
  'dry-run',
  'waba-id',
  'app-id',
  'callback-url',
  'verify-token'
]

/** Random runs on top of every near miss, which runs each time as an example. */
function fuzzParameters(numRuns: number): fc.Parameters<[GeneratedInputs]> {
  const seed = process.env.FUZZ_SEED
  return {
    numRuns,
    examples: nearMissExamples,
    ...(seed !== undefined && seed !== '' && { seed: Number(seed) })
  }
}

let workspace = ''
let scenarioNumber = 0

/** One generated case laid out on disk, with what the test knows about it. */
interface Scenario {
  /** Raw values, as a workflow would set them. */
  raw: Record<string, string>
  /** Values trimmed, as the parser reads every input but the exact secrets. */
  input: (name: string) => string
  /** Values exactly as given, as the action's InputSource returns them. */
  exact: (name: string) => string
  /** The resolved backup-file path; public, and quoted by messages. */
  fullPath: string
  /** The contents of the backup file without its final line ending, when the parser reads it. */
  fileText?: string
  /** Every secret value in play, whether the parser sees it or not. */
  secrets: string[]
  /** The secrets the parser sees, which it must register: no more, no fewer. */
  mustRegister: Set<string>
  dispose(): void
}

/** `settings.data` of an On-Premises backup envelope, as the issue defines one (not blank). */
function envelopeData(text: string): string | undefined {
  if (!text.trimStart().startsWith('{')) return undefined
  try {
    const parsed = JSON.parse(text) as { settings?: { data?: unknown } } | null
    const data = parsed?.settings?.data
    return typeof data === 'string' && data.trim() !== '' ? data : undefined
  } catch {
    return undefined
  }
}

function isRegularFile(path: string): boolean {
  try {
    return statSync(path).isFile()
  } catch {
    return false
  }
}

function lay(generated: GeneratedInputs, base: string): Scenario {
  const dir = join(workspace, `case-${++scenarioNumber}`)
  mkdirSync(join(dir, 'nested dir'), { recursive: true })
  const raw: Record<string, string> = { ...generated.values }
  const spec = generated.file
  const secrets: string[] = []
  if (spec.kind === 'raw') {
    raw['backup-file'] = spec.path
  } else if (spec.kind !== 'unset') {
    const name = `case-${scenarioNumber}/${spec.form === 'nested' ? 'nested dir/' : ''}backup.json`
    const target = join(workspace, name)
    if (spec.kind === 'file') {
      writeFileSync(target, spec.content, 'utf8')
      // What is on disk: lone surrogates became U+FFFD on the way.
      secrets.push(readFileSync(target, 'utf8').trim())
    } else if (spec.kind === 'directory') {
      mkdirSync(target)
    }
    raw['backup-file'] = {
      relative: name,
      dot: `./${name}`,
      nested: name,
      absolute: target,
      padded: ` \t${name}\r\n`
    }[spec.form]
  }
  const exact = (name: string): string => raw[name] ?? ''
  const input = (name: string): string => exact(name).trim()
  for (const name of SECRET_INPUTS) secrets.push(input(name), exact(name))
  const path = input('backup-file')
  const fullPath = path === '' ? '' : isAbsolute(path) ? path : resolve(base, path)

  // The token (as given and trimmed), the PIN, the password and the verify token exactly, then
  // the data sent.
  const given = [
    exact('access-token'),
    input('access-token'),
    exact('pin'),
    exact('backup-password'),
    exact('verify-token')
  ]
  const mustRegister = new Set(given.filter(value => value.trim() !== ''))
  let backupText: string | undefined
  let fileText: string | undefined
  if (input('backup-data') !== '' && path === '') backupText = exact('backup-data')
  if (input('backup-data') === '' && path !== '' && isRegularFile(fullPath)) {
    const decoded = readFileSync(fullPath, 'utf8')
    if (!decoded.includes('\u0000')) {
      // A byte-order mark is the file's encoding, not its text; the final line ending goes too.
      fileText = decoded.replace(/^\ufeff/, '').replace(/\r?\n$/, '')
      backupText = fileText
    }
  }
  if (backupText !== undefined && backupText.trim() !== '') {
    const extracted = backupText.trimStart().startsWith('{') ? envelopeData(backupText) : backupText
    if (extracted !== undefined) mustRegister.add(extracted)
  }
  for (const text of [input('backup-data'), ...secrets]) {
    const data = envelopeData(text)
    if (data !== undefined) secrets.push(data)
  }
  return {
    raw,
    input,
    exact,
    fullPath,
    ...(fileText !== undefined && { fileText }),
    secrets,
    mustRegister,
    dispose: () => rmSync(dir, { recursive: true, force: true })
  }
}

/** Values that messages may quote: the backup-file path, resolved or not, and HTML-escaped. */
function publicValues(scenario: Scenario): string[] {
  const escape = (text: string) => text.replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`)
  const values = [scenario.input('backup-file'), scenario.fullPath]
  return [...values, ...values.map(escape)]
}

interface Parsed {
  outcome: { settings: Settings; warnings: string[] } | { error: unknown }
  registered: string[]
}

function parse(scenario: Scenario, base = workspace): Parsed {
  const registered: string[] = []
  const source = { getInput: scenario.exact, registerSecret: (v: string) => registered.push(v), workspace: base } // prettier-ignore
  try {
    return { outcome: readSettings(source), registered }
  } catch (error) {
    return { outcome: { error }, registered }
  }
}

/** The contract every accepted Settings object honours, checked against the inputs it came from. */
function expectContract(settings: Settings, warnings: string[], scenario: Scenario): void {
  const input = scenario.input
  expect(
    Object.keys(settings).every(key =>
      [
        'accessToken',
        'phoneNumberId',
        'pin',
        'backup',
        'dataLocalizationRegion',
        'onRegionMismatch',
        'apiVersion',
        'graphApiUrl',
        'timeoutMs',
        'retries',
        'settleMs',
        'preflight',
        'skipIfRegistered',
        'dryRun',
        'wiring'
      ].includes(key)
    )
  ).toBe(true)

  expect(settings.accessToken).toBe(input('access-token'))
  expect(settings.accessToken).toMatch(/^[\x21-\x7e]+$/)
  expect(settings.accessToken).not.toMatch(/^bearer\s/i)
  expect(settings.phoneNumberId).toBe(input('phone-number-id'))
  expect(settings.phoneNumberId).toMatch(/^[0-9]{1,32}$/)
  expect(settings.pin).toBe(scenario.exact('pin'))
  expect(settings.pin).toMatch(/^[0-9]{6}$/)

  expect(settings.apiVersion).toMatch(/^v[0-9]+\.[0-9]+$/)
  expect(settings.apiVersion).toBe(input('api-version') || DEFAULT_API_VERSION)

  const url = new URL(settings.graphApiUrl)
  const loopback = ['localhost', '[::1]'].includes(url.hostname) || /^127\./.test(url.hostname)
  expect(url.protocol === 'https:' || (url.protocol === 'http:' && loopback)).toBe(true)
  expect([url.username, url.password, url.search, url.hash]).toEqual(['', '', '', ''])
  expect(settings.graphApiUrl).toBe(url.href.replace(/\/+$/, ''))
  // The token goes to the host the workflow named, and to no other; what was named was clean.
  const given = new URL(input('graph-api-url') || DEFAULT_GRAPH_API_URL)
  expect(url.host).toBe(given.host)
  expect([given.username, given.password, given.search, given.hash]).toEqual(['', '', '', ''])

  expect(Number.isInteger(settings.retries)).toBe(true)
  expect(settings.retries).toBeGreaterThanOrEqual(0)
  expect(settings.retries).toBeLessThanOrEqual(10)
  expect(settings.retries).toBe(input('retries') === '' ? 2 : Number(input('retries')))
  const settleSeconds = input('settle-seconds') === '' ? 30 : Number(input('settle-seconds'))
  expect(settleSeconds).toBeGreaterThanOrEqual(0)
  expect(settleSeconds).toBeLessThanOrEqual(300)
  expect(settings.settleMs).toBe(settleSeconds * 1000)
  expect(Number.isInteger(settings.timeoutMs)).toBe(true)
  expect(settings.timeoutMs).toBeGreaterThan(0)
  expect(settings.timeoutMs).toBeLessThanOrEqual(86_400_000)
  const seconds = input('timeout-seconds') === '' ? 60 : Number(input('timeout-seconds'))
  expect(settings.timeoutMs).toBe(seconds * 1000)
  expect(warnings.some(warning => warning.startsWith('timeout-seconds'))).toBe(seconds < 30)

  const flags: [keyof Settings, string, boolean][] = [
    ['preflight', 'preflight', true],
    ['skipIfRegistered', 'skip-if-registered', true],
    ['dryRun', 'dry-run', false]
  ]
  for (const [key, name, fallback] of flags) {
    const text = input(name)
    if (text !== '') expect(['true', 'True', 'TRUE', 'false', 'False', 'FALSE']).toContain(text)
    expect(settings[key]).toBe(text === '' ? fallback : text.toLowerCase() === 'true')
  }

  const region = input('data-localization-region')
  if (region === '') expect(settings.dataLocalizationRegion).toBeUndefined()
  else {
    expect(REGIONS).toContain(settings.dataLocalizationRegion)
    expect(settings.dataLocalizationRegion).toBe(region.toUpperCase())
  }

  // fail or re-register, exactly; re-register with a region only where settings set the storage.
  const mismatch = input('on-region-mismatch')
  expect(settings.onRegionMismatch).toBe(mismatch === '' ? 'fail' : mismatch)
  if (settings.onRegionMismatch === 're-register' && settings.dataLocalizationRegion) {
    expect(Number(/^v([0-9]+)\./.exec(settings.apiVersion)?.[1])).toBeGreaterThanOrEqual(21)
  }

  // Wiring exactly with a WABA; a callback URL needs it and a verify token, sent exactly.
  const wabaId = input('waba-id')
  const appId = input('app-id')
  const callback = input('callback-url')
  const verifyToken = scenario.exact('verify-token')
  expect(verifyToken.trim() !== '').toBe(callback !== '')
  if (wabaId === '') {
    expect(settings.wiring).toBeUndefined()
    expect([appId, callback]).toEqual(['', ''])
  } else {
    expect(settings.wiring?.wabaId).toBe(wabaId)
    expect(wabaId).toMatch(/^[0-9]{1,32}$/)
    expect(wabaId).not.toBe(settings.phoneNumberId)
    expect(settings.wiring?.appId).toBe(appId === '' ? undefined : appId)
    if (appId !== '') expect(appId).toMatch(/^[0-9]{1,32}$/)
    if (callback === '') expect(settings.wiring?.webhook).toBeUndefined()
    else {
      expect(settings.wiring?.webhook).toEqual({ callbackUrl: callback, verifyToken })
      const url = new URL(callback)
      expect(url.protocol).toBe('https:')
      expect([url.username, url.password, url.hash]).toEqual(['', '', ''])
      expect(callback.length).toBeLessThanOrEqual(200)
      expect(callback).not.toMatch(/\s/)
    }
  }

  // A backup is present exactly when data (inline or a file) and a password are given.
  const inline = input('backup-data')
  const file = input('backup-file')
  const password = scenario.exact('backup-password')
  expect(inline !== '' && file !== '').toBe(false)
  expect(settings.backup !== undefined).toBe((inline !== '' || file !== '') && password !== '')
  expect(inline !== '' || file !== '').toBe(password !== '')
  if (settings.backup) {
    const text = inline !== '' ? scenario.exact('backup-data') : scenario.fileText
    expect(text).toBeDefined()
    expect(settings.backup.source).toBe(inline !== '' ? 'backup-data' : 'backup-file')
    expect(settings.backup.password).toBe(password)
    expect(settings.backup.data).toBe(envelopeData(text ?? '') ?? text)
    expect(settings.backup.data).not.toBe('')
  }
}

function describeLeaks(leaks: Leak[], secrets: SecretPieces[], where: string): string {
  return leaks
    .map(leak => `${where}: ${JSON.stringify(leak.piece)} of secret ${JSON.stringify(secrets[leak.secret]?.value.slice(0, 80))}`)
    .join('\n') // prettier-ignore
}

// Inputs that between them produce every message and warning of the parser, with secrets made of
// private-use characters that nothing else contains: what they produce is the template corpus.
const P = (n: number) => String.fromCharCode(0xe000 + n).repeat(7)
const CANNED_SECRETS = [0, 1, 2, 3, 4, 5, 6, 7].map(P)
const CANNED_VALID = {
  'access-token': '~^~^~^~^~^~^',
  'phone-number-id': '1234567890',
  pin: '123456',
  'graph-api-url': 'http://127.0.0.1:1'
}
function cannedInputs(files: { missing: string; directory: string; blank: string; broken: string; shapeless: string }): Record<string, string>[] {
  return [
    {},
    {
      'access-token': `Bearer ${P(0)}`,
      'phone-number-id': `+${P(1)}`,
      pin: P(2),
      'backup-data': P(3),
      'backup-file': files.missing,
      'data-localization-region': 'XX',
      'on-region-mismatch': 'x',
      'api-version': 'x',
      'graph-api-url': 'ftp://x',
      'timeout-seconds': 'x',
      retries: 'x',
      preflight: 'x',
      'skip-if-registered': 'x',
      'dry-run': 'x'
    },
    { 'access-token': `${P(0)} ${P(1)}`, 'phone-number-id': P(1), 'backup-password': P(4) },
    { ...CANNED_VALID, 'backup-file': files.missing, 'backup-password': P(4) },
    { ...CANNED_VALID, 'backup-file': files.directory, 'backup-password': P(4) },
    { ...CANNED_VALID, 'backup-file': files.blank, 'backup-password': P(4) },
    { ...CANNED_VALID, 'backup-file': files.broken, 'backup-password': P(4) },
    { ...CANNED_VALID, 'backup-file': files.shapeless, 'backup-password': P(4) },
    { ...CANNED_VALID, 'backup-data': `{${P(5)}`, 'backup-password': P(4) },
    { ...CANNED_VALID, 'backup-data': `{"x":"${P(5)}"}`, 'backup-password': P(4) },
    { ...CANNED_VALID, 'backup-data': P(6) },
    { ...CANNED_VALID, 'backup-data': `{"settings":{"data":"${P(6)}"}}` },
    { ...CANNED_VALID, 'on-region-mismatch': 're-register', 'data-localization-region': 'DE', 'api-version': 'v20.0' },
    { ...CANNED_VALID, 'on-region-mismatch': 're-register', 'data-localization-region': 'DE', preflight: 'false' },
    { ...CANNED_VALID, 'waba-id': 'x', 'app-id': 'x', 'callback-url': 'x', 'verify-token': P(7) },
    { ...CANNED_VALID, 'app-id': '1', 'callback-url': 'https://x.example/' },
    { ...CANNED_VALID, 'waba-id': CANNED_VALID['phone-number-id'], 'verify-token': P(7) },
    { ...CANNED_VALID, 'waba-id': '77', 'app-id': '78', 'callback-url': 'https://x.example/', 'verify-token': P(7) }
  ]
} // prettier-ignore

function scenarioOf(values: Record<string, string>, base: string): Scenario {
  return lay({ values, file: { kind: 'unset' } }, base)
}

let server: Server
let serverUrl = ''
let requests = 0
let connections = 0
let leakFinder: LeakFinder
const savedEnv = { ...process.env }

beforeAll(async () => {
  workspace = mkdtempSync(join(tmpdir(), 'inputs-fuzz-'))
  server = createServer((request, response) => {
    requests++
    request.resume()
    response.setHeader('content-type', 'application/json')
    response.end(JSON.stringify({ id: '1234567890', platform_type: 'CLOUD_API', status: 'CONNECTED' })) // prettier-ignore
  })
  server.on('connection', () => connections++)
  await new Promise<void>(done => server.listen(0, '127.0.0.1', done))
  serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  process.env.GITHUB_WORKSPACE = workspace
  process.env.GITHUB_STEP_SUMMARY = join(workspace, 'summary.md')

  // The template corpus (see LeakFinder): messages, warnings, and everything run() says.
  const files = {
    missing: 'canned/missing.json',
    directory: 'canned/directory',
    blank: 'canned/blank.json',
    broken: 'canned/broken.json',
    shapeless: 'canned/shapeless.json'
  }
  mkdirSync(join(workspace, files.directory), { recursive: true })
  writeFileSync(join(workspace, files.blank), ' \n ')
  writeFileSync(join(workspace, files.broken), `{"settings":{"data":"${P(5)}"`)
  writeFileSync(join(workspace, files.shapeless), `{"settings":["${P(5)}"]}`)
  const template: string[] = []
  for (const values of cannedInputs(files)) {
    const scenario = scenarioOf(values, workspace)
    const parsed = parse(scenario).outcome
    scenario.dispose()
    if ('error' in parsed && parsed.error instanceof InputError) template.push(parsed.error.message)
    current = { ...values, 'graph-api-url': values['graph-api-url'] ?? serverUrl }
    calls = []
    await run({ now: () => 0, sleep: () => Promise.resolve() })
    template.push(...calls.filter(call => call.kind !== 'secret').map(call => call.text))
  }
  for (let seconds = 1; seconds <= 30; seconds++) {
    const values = { ...CANNED_VALID, 'timeout-seconds': String(seconds), preflight: 'false' }
    const scenario = scenarioOf(values, workspace)
    const parsed = parse(scenario).outcome
    scenario.dispose()
    if ('warnings' in parsed) template.push(...parsed.warnings)
  }
  const cannedPaths = Object.values(files)
  leakFinder = new LeakFinder(template, [
    ...cannedPaths,
    ...cannedPaths.map(path => resolve(workspace, path))
  ])
  // The corpus itself must be free of the canned secrets, or it would excuse their leaks.
  const canned = secretPieces(CANNED_SECRETS)
  const empty = new LeakFinder([])
  expect(template.flatMap(text => empty.find(text, canned))).toEqual([])
  expect(template.join('\n')).toContain('timeout-seconds is 29')
  expect(template.join('\n')).toContain('backup-password: required with a backup')
}, 60_000)

afterAll(async () => {
  await new Promise<void>(done => server.close(() => done()))
  rmSync(workspace, { recursive: true, force: true })
  process.env = savedEnv
})

describe('the leak finder used by these properties', () => {
  it('finds a planted fragment and ignores template text and public values', () => {
    const finder = new LeakFinder(['pin: expected exactly 6 digits'])
    const secrets = secretPieces(['zq9#Kx!v', 'expected', 'ab'])
    expect(finder.find('pin: expected exactly 6 digits', secrets)).toEqual([])
    expect(finder.find('token 9#Kx!v', secrets)).toEqual([{ secret: 0, piece: '9#Kx!v' }])
    expect(finder.find('xxab', secrets)).toEqual([{ secret: 2, piece: 'ab' }])
    expect(finder.find('"zq9#Kx!v"', secrets, ['zq9#Kx!v'])).toEqual([])
  })
})

describe('readSettings over generated inputs', () => {
  it('rejects every near miss (the examples each property starts with)', () => {
    for (const [example] of nearMissExamples) {
      const scenario = lay(example, workspace)
      try {
        const { outcome } = parse(scenario)
        if (!('error' in outcome)) throw new Error(`accepted: ${JSON.stringify(example)}`)
        expect(outcome.error).toBeInstanceOf(InputError)
      } finally {
        scenario.dispose()
      }
    }
  })

  it('throws nothing but InputError naming inputs, and what it returns meets the contract', () => {
    let accepted = 0
    let wired = 0
    fc.assert(
      fc.property(generatedInputs, generated => {
        const scenario = lay(generated, workspace)
        try {
          const { outcome } = parse(scenario)
          if ('error' in outcome) {
            expect(outcome.error).toBeInstanceOf(InputError)
            const problems = (outcome.error as InstanceType<typeof InputError>).problems
            expect(problems.length).toBeGreaterThan(0)
            for (const problem of problems) {
              expect(INPUT_NAMES.some(name => problem.startsWith(`${name}:`) || problem.startsWith(`${name} and `))).toBe(true) // prettier-ignore
            }
          } else {
            accepted++
            if (outcome.settings.wiring?.webhook) wired++
            expectContract(outcome.settings, outcome.warnings, scenario)
          }
        } finally {
          scenario.dispose()
        }
      }),
      fuzzParameters(300)
    )
    // The generator must reach both sides, or one half of the property is vacuous.
    expect(accepted).toBeGreaterThan(10)
    expect(wired).toBeGreaterThan(5)
  }, 60_000)

  it('never puts a secret, or 6 characters of one, in a message or warning', () => {
    fc.assert(
      fc.property(generatedInputs, generated => {
        const scenario = lay(generated, workspace)
        try {
          const { outcome } = parse(scenario)
          const texts =
            'error' in outcome
              ? [(outcome.error as Error).message, ...((outcome.error as { problems?: string[] }).problems ?? [])] // prettier-ignore
              : outcome.warnings
          const secrets = secretPieces(scenario.secrets)
          const leaks = texts.flatMap(text =>
            leakFinder.find(text, secrets, publicValues(scenario))
          )
          if (leaks.length > 0) throw new Error(describeLeaks(leaks, secrets, 'message'))
        } finally {
          scenario.dispose()
        }
      }),
      fuzzParameters(300)
    )
  }, 60_000)

  it('registers every secret it sees before returning or throwing, and nothing empty', () => {
    fc.assert(
      fc.property(generatedInputs, generated => {
        const scenario = lay(generated, workspace)
        try {
          const { registered } = parse(scenario)
          expect(registered).not.toContain('')
          expect(new Set(registered)).toEqual(scenario.mustRegister)
        } finally {
          scenario.dispose()
        }
      }),
      fuzzParameters(300)
    )
  }, 60_000)
})

/** A value after a trip through the environment (UTF-8): lone surrogates become U+FFFD. */
function viaEnvironment(value: string): string {
  return Buffer.from(value, 'utf8').toString('utf8')
}

/** Inputs as the runner hands them over, with graph-api-url pointing at the test's server. */
function asRunnerGivesThem(generated: GeneratedInputs): GeneratedInputs {
  const values = Object.fromEntries(
    Object.entries(generated.values).map(([name, value]) => [name, viaEnvironment(value)])
  )
  const file = generated.file
  return {
    values: { ...values, 'graph-api-url': serverUrl },
    file: file.kind === 'raw' ? { kind: 'raw', path: viaEnvironment(file.path) } : file
  }
}

const wellFormed = (text: string): boolean => !/\p{Cs}/u.test(text)

describe('run() over generated invalid inputs', () => {
  it('makes no request, fails once, and says no secret', async () => {
    await fc.assert(
      fc.asyncProperty(generatedInputs, async generated => {
        const scenario = lay(asRunnerGivesThem(generated), workspace)
        try {
          fc.pre('error' in parse(scenario).outcome)
          // A JSON escape in a backup envelope can still carry a lone surrogate into a secret;
          // run() then fails on it (see the failing test below), so such cases are left to it.
          fc.pre(scenario.secrets.every(wellFormed))
          current = scenario.raw
          calls = []
          requests = 0
          connections = 0
          await run({ now: () => 0, sleep: () => Promise.resolve() })

          expect({ requests, connections }).toEqual({ requests: 0, connections: 0 })
          expect(calls.filter(call => call.kind === 'failed')).toHaveLength(1)
          // Values are not compared: every output passes the redactor, so a one-letter secret
          // such as "d" turns result=failed into result=faile*** (see the report).
          const outputs = calls.filter(call => call.kind === 'output').map(call => call.text)
          const names = outputs.map(text => text.slice(0, text.indexOf('=')))
          expect(names.sort()).toEqual(['attempts', 'error-message', 'result', 'success'])
          // Masks come first: nothing is said before the last setSecret.
          const lastSecret = calls.map(call => call.kind).lastIndexOf('secret')
          expect(calls.slice(0, lastSecret + 1).every(call => call.kind === 'secret')).toBe(true)
          const registered = new Set(calls.filter(c => c.kind === 'secret').map(c => c.text))
          expect(registered).toEqual(scenario.mustRegister)

          const secrets = secretPieces(scenario.secrets)
          const leaks = calls
            .filter(call => call.kind !== 'secret')
            .flatMap(call =>
              leakFinder
                .find(call.text, secrets, publicValues(scenario))
                .map(leak => ({ leak, kind: call.kind }))
            )
          if (leaks.length > 0) {
            const text = leaks.map(({ leak, kind }) => describeLeaks([leak], secrets, kind))
            throw new Error(text.join('\n'))
          }
        } finally {
          scenario.dispose()
        }
      }),
      { ...fuzzParameters(150), maxSkipsPerRun: 100 }
    )
  }, 60_000)

  /*
   * JSON.parse turns an escape such as \ud800 in a backup envelope's settings.data into a lone
   * surrogate, which encodeURIComponent cannot encode: the secret must still be accepted and hidden
   * (once, run() failed with "Unexpected error: URI malformed").
   */
  it('accepts a backup envelope whose data escapes a lone surrogate', async () => {
    const withLoneSurrogate = fc
      .tuple(
        fc.string({ minLength: 0, maxLength: 20 }),
        fc.integer({ min: 0xd800, max: 0xdfff }),
        fc.string({ maxLength: 20 })
      )
      .map(([before, code, after]) => before + String.fromCharCode(code) + after)
    await fc.assert(
      fc.asyncProperty(withLoneSurrogate, async data => {
        current = {
          ...CANNED_VALID,
          'graph-api-url': serverUrl,
          'backup-data': JSON.stringify({ settings: { data } }),
          'backup-password': 'backup-password-1'
        }
        calls = []
        await run({ now: () => 0, sleep: () => Promise.resolve() })
        const failed = calls.filter(call => call.kind === 'failed').map(call => call.text)
        expect(failed.filter(text => text.startsWith('Unexpected error'))).toEqual([])
        expect(calls).toContainEqual({ kind: 'secret', text: data })
      }),
      { seed: 20_260_101, numRuns: 20, examples: [['abc\ud800def']] }
    )
  })

  it('does reach the counting server when the inputs are valid (the control)', async () => {
    current = { ...CANNED_VALID, 'graph-api-url': serverUrl }
    calls = []
    requests = 0
    await run({ now: () => 0, sleep: () => Promise.resolve() })
    expect(requests).toBeGreaterThan(0)
    expect(calls.filter(call => call.kind === 'failed')).toEqual([])
    expect(calls).toContainEqual({ kind: 'output', text: 'result=already-registered' })
  })
})
