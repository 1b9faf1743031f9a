/**
 * The simulator's command line and JSON config file, read into GraphSimulatorOptions. Kept apart
 * from cli.ts so that tests can read a config and serve it without spawning a process. Messages
 * name the file, the entry and the field, never a value: configs hold tokens, PINs and backups
 * (apps and permissions are keyed by token, so their entries are named by position).
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import type {
  GraphSimulatorOptions,
  ScriptedRoute,
  SimApp,
  SimNumber,
  SimWaba,
  TokenPermissions
} from './graph-simulator.js'

export const HELP = `Usage: node .build/sim/cli.js [options]

Starts the in-repo Graph API simulator on 127.0.0.1, prints one line
GRAPH_API_URL=http://127.0.0.1:<port> on stdout, and serves until SIGINT or SIGTERM.

Options:
  --config <file>         JSON file with an object of simulator options, as GraphSimulatorOptions in
                          sim/graph-simulator.ts: numbers, tokens, wabas, apps, permissions,
                          unreachableCallbacks, responseHeaders, escapeNonAscii, escapeSlashes,
                          sharedRegisterBudget, afterDeregister, successShape, unknownFields,
                          versionWarning and port. The options below override it.
  --port <n>              Port to listen on. Default 0: any free port.
  --numbers <file>        JSON file with an array of numbers, each with the fields of SimNumber in
                          sim/graph-simulator.ts: id, displayPhoneNumber, verifiedName, platformType,
                          status, pin (6 digits, or null for "never set") and the optional
                          nameStatus, codeVerificationStatus, isOnBizApp, throughputLevel,
                          qualityRating, accountMode, backup {data, password}, slowRegister
                          {backendMs, gatewayMs, gatewayStatus, gatewayBody}, storage {status,
                          region}, wabaId and overrideCallbackUri. Default: one ON_PREMISE number,
                          id 106540352242922, status CONNECTED, PIN 123456.
  --token <token>         An accepted access token; repeat for several. Default: sim-token.
  --success-shape <s>     "boolean" (default) answers {"success":true}, "string" {"success":"true"}.
  --unknown-field <name>  Answer this read field as nonexistent, like an older API version; repeatable.
  --version-warning <t>   Send this X-Ad-Api-Version-Warning header on every response.
  --escape-non-ascii      Write non-ASCII characters in JSON as \\uXXXX, as Graph does.
  --escape-slashes        Also write / as \\/ in JSON.
  -h, --help              Show this help.
`

const DEFAULT_NUMBER: SimNumber = {
  id: '106540352242922',
  displayPhoneNumber: '+1 555-0100',
  verifiedName: 'Simulated Business',
  platformType: 'ON_PREMISE',
  status: 'CONNECTED',
  pin: '123456'
}

const PLATFORMS = ['CLOUD_API', 'ON_PREMISE', 'NOT_APPLICABLE']
const STORAGE_STATUSES = [
  'default',
  'in_country_storage_enabled',
  'DEFAULT',
  'IN_COUNTRY_STORAGE_ENABLED'
]
const ROUTES: ScriptedRoute[] = [
  'register',
  'read',
  'settings',
  'deregister',
  'pin',
  'webhook',
  'subscribed_apps',
  'app'
]

type Json = Record<string, unknown>

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Checks of one JSON object's fields; each failure names `where` and the field. */
function checks(value: unknown, where: string): { json: Json; check: Checks } {
  if (!isRecord(value)) throw new Error(`${where} must be an object`)
  return { json: value, check: new Checks(value, where) }
}

class Checks {
  constructor(
    private readonly value: Json,
    private readonly where: string
  ) {}

  fail(field: string, rule: string): never {
    throw new Error(`${this.where}: ${field} ${rule}`)
  }

  string(field: string, optional = false): void {
    const v = this.value[field]
    if (optional && v === undefined) return
    if (typeof v !== 'string')
      this.fail(field, optional ? 'must be a string when given' : 'must be a string')
  }

  digits(field: string, optional = false): void {
    const v = this.value[field]
    if (optional && v === undefined) return
    if (typeof v !== 'string' || !/^\d+$/.test(v)) this.fail(field, 'must be a string of digits')
  }

  boolean(field: string): void {
    const v = this.value[field]
    if (v !== undefined && typeof v !== 'boolean') this.fail(field, 'must be a boolean when given')
  }

  milliseconds(field: string, optional = false): void {
    const v = this.value[field]
    if (optional && v === undefined) return
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
      this.fail(field, 'must be a whole number of milliseconds')
    }
  }

  integer(field: string, min: number, max: number, optional = false): void {
    const v = this.value[field]
    if (optional && v === undefined) return
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      this.fail(field, `must be a whole number from ${min} to ${max}`)
    }
  }

  oneOf(field: string, allowed: readonly unknown[], optional = false): void {
    const v = this.value[field]
    if (optional && v === undefined) return
    if (!allowed.includes(v)) this.fail(field, `must be one of ${allowed.join(', ')}`)
  }

  strings(field: string): void {
    const v = this.value[field]
    if (v !== undefined && (!Array.isArray(v) || v.some(s => typeof s !== 'string'))) {
      this.fail(field, 'must be an array of strings when given')
    }
  }
}

/** Validates an array of numbers. */
export function parseNumbers(json: unknown, file: string): SimNumber[] {
  if (!Array.isArray(json)) throw new Error(`${file} must hold a JSON array of numbers`)
  return json.map((entry: unknown, i) => {
    const where = `${file}: number ${i}`
    const { json: n, check } = checks(entry, where)
    check.digits('id')
    check.string('displayPhoneNumber')
    check.string('verifiedName')
    check.string('status')
    check.oneOf('platformType', PLATFORMS)
    if (n.pin !== null && (typeof n.pin !== 'string' || !/^\d{6}$/.test(n.pin))) {
      check.fail('pin', 'must be 6 digits in a string, or null')
    }
    for (const field of [
      'nameStatus',
      'codeVerificationStatus',
      'throughputLevel',
      'qualityRating',
      'accountMode',
      'overrideCallbackUri'
    ]) {
      check.string(field, true)
    }
    check.boolean('isOnBizApp')
    check.digits('wabaId', true)
    if (n.backup !== undefined) {
      const backup = checks(n.backup, `${where}: backup`).check
      backup.string('data')
      backup.string('password')
    }
    if (n.slowRegister !== undefined) {
      const slow = checks(n.slowRegister, `${where}: slowRegister`).check
      slow.milliseconds('backendMs')
      slow.milliseconds('gatewayMs', true)
      slow.integer('gatewayStatus', 100, 599, true)
      slow.string('gatewayBody', true)
    }
    if (n.storage !== undefined) {
      const storage = checks(n.storage, `${where}: storage`).check
      storage.oneOf('status', STORAGE_STATUSES)
      storage.string('region', true)
    }
    return entry as SimNumber
  })
}

function parseWabas(json: unknown, file: string): SimWaba[] {
  if (!Array.isArray(json)) throw new Error(`${file}: wabas must be an array`)
  return json.map((entry: unknown, i) => {
    const where = `${file}: waba ${i}`
    const { json: waba, check } = checks(entry, where)
    check.digits('id')
    check.string('overrideCallbackUri', true)
    const apps = waba.subscribedApps
    if (!Array.isArray(apps)) return check.fail('subscribedApps', 'must be an array')
    apps.forEach((app: unknown, j) => checkApp(app, `${where}: subscribed app ${j}`))
    return entry as SimWaba
  })
}

function checkApp(json: unknown, where: string): void {
  const { check } = checks(json, where)
  check.digits('id')
  check.string('name')
  check.string('link', true)
  check.string('callbackUri', true)
}

/** An object keyed by token; entries are named by position, never by their token. */
function byToken<T>(json: unknown, name: string, check: (entry: unknown, where: string) => void) {
  if (!isRecord(json)) throw new Error(`${name} must be an object keyed by token`)
  Object.values(json).forEach((entry, i) => check(entry, `${name}: entry ${i}`))
  return json as Record<string, T>
}

function checkPermissions(json: unknown, where: string): void {
  const { json: rule, check } = checks(json, where)
  if (rule.deny !== 'all') {
    if (!Array.isArray(rule.deny) || rule.deny.some(r => !ROUTES.includes(r as ScriptedRoute))) {
      check.fail('deny', `must be "all" or an array of routes (${ROUTES.join(', ')})`)
    }
  }
  check.oneOf('code', [10, 200], true)
}

/** Validates a config file's object: every option but `now`, which JSON cannot hold. */
export function parseConfig(text: string, file: string): Partial<GraphSimulatorOptions> {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw new Error(`${file} is not valid JSON`)
  }
  const { json: config, check } = checks(json, file)
  const known = new Set([
    'numbers',
    'tokens',
    'wabas',
    'apps',
    'permissions',
    'unreachableCallbacks',
    'responseHeaders',
    'escapeNonAscii',
    'escapeSlashes',
    'sharedRegisterBudget',
    'afterDeregister',
    'successShape',
    'unknownFields',
    'versionWarning',
    'port'
  ])
  for (const key of Object.keys(config)) {
    if (!known.has(key)) throw new Error(`${file}: unknown option ${JSON.stringify(key)}`)
  }
  check.strings('tokens')
  check.strings('unreachableCallbacks')
  check.strings('unknownFields')
  check.boolean('escapeNonAscii')
  check.boolean('escapeSlashes')
  check.boolean('sharedRegisterBudget')
  check.oneOf('successShape', ['boolean', 'string'], true)
  check.string('versionWarning', true)
  check.integer('port', 0, 65535, true)
  if (config.responseHeaders !== undefined) {
    const headers = checks(config.responseHeaders, `${file}: responseHeaders`)
    // Header names are not secret; the simulator's constructor checks that node can send them.
    for (const name of Object.keys(headers.json)) headers.check.string(name)
  }
  if (config.afterDeregister !== undefined) {
    const after = checks(config.afterDeregister, `${file}: afterDeregister`).check
    after.oneOf('platformType', PLATFORMS)
    after.string('status')
  }
  const options = config as Partial<GraphSimulatorOptions>
  return {
    ...options,
    numbers: config.numbers === undefined ? undefined : parseNumbers(config.numbers, file),
    wabas: config.wabas === undefined ? undefined : parseWabas(config.wabas, file),
    apps:
      config.apps === undefined
        ? undefined
        : byToken<SimApp>(config.apps, `${file}: apps`, checkApp),
    permissions:
      config.permissions === undefined
        ? undefined
        : byToken<TokenPermissions>(config.permissions, `${file}: permissions`, checkPermissions)
  }
}

/** The simulator's options from the command line, or undefined when only help was asked for. */
export function parseCommandLine(
  argv: string[],
  read: (file: string) => string = file => readFileSync(file, 'utf8')
): GraphSimulatorOptions | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string' },
      port: { type: 'string' },
      numbers: { type: 'string' },
      token: { type: 'string', multiple: true },
      'success-shape': { type: 'string' },
      'unknown-field': { type: 'string', multiple: true },
      'version-warning': { type: 'string' },
      'escape-non-ascii': { type: 'boolean' },
      'escape-slashes': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' }
    }
  })
  if (values.help) return undefined
  const config = values.config ? parseConfig(read(values.config), values.config) : {}
  let port = config.port ?? 0
  if (values.port !== undefined) {
    port = Number(values.port)
    if (!/^\d+$/.test(values.port) || port > 65535) {
      throw new Error('--port must be a whole number from 0 to 65535')
    }
  }
  const shape = values['success-shape'] ?? config.successShape ?? 'boolean'
  if (shape !== 'boolean' && shape !== 'string') {
    throw new Error('--success-shape must be boolean or string')
  }
  let numbers = config.numbers ?? [DEFAULT_NUMBER]
  if (values.numbers) {
    let json: unknown
    try {
      json = JSON.parse(read(values.numbers))
    } catch {
      throw new Error(`${values.numbers} is not valid JSON`)
    }
    numbers = parseNumbers(json, values.numbers)
  }
  return {
    ...config,
    numbers,
    tokens: values.token ?? config.tokens ?? ['sim-token'],
    port,
    successShape: shape,
    unknownFields: values['unknown-field'] ?? config.unknownFields,
    versionWarning: values['version-warning'] ?? config.versionWarning,
    escapeNonAscii: values['escape-non-ascii'] ?? config.escapeNonAscii,
    escapeSlashes: values['escape-slashes'] ?? config.escapeSlashes
  }
}
