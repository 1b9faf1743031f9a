/**
 * Starts the Graph API simulator from the command line, for the demo and for CI jobs that run the
 * action against it. Build with `npm run build:tools`, then `node .build/sim/cli.js --help`.
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { GraphSimulator, type GraphSimulatorOptions, type SimNumber } from './graph-simulator.js'

const HELP = `Usage: node .build/sim/cli.js [options]

Starts the in-repo Graph API simulator on 127.0.0.1, prints one line
GRAPH_API_URL=http://127.0.0.1:<port> on stdout, and serves until SIGINT or SIGTERM.

Options:
  --port <n>              Port to listen on. Default 0: any free port.
  --numbers <file>        JSON file with an array of numbers, each with the fields of SimNumber in
                          sim/graph-simulator.ts: id, displayPhoneNumber, verifiedName, platformType,
                          status, pin (6 digits, or null for "never set") and the optional
                          nameStatus, codeVerificationStatus, isOnBizApp, throughputLevel and
                          backup {data, password}. Default: one ON_PREMISE number, id 106540352242922,
                          status CONNECTED, PIN 123456.
  --token <token>         An accepted access token; repeat for several. Default: sim-token.
  --success-shape <s>     "boolean" (default) answers {"success":true}, "string" {"success":"true"}.
  --unknown-field <name>  Answer this read field as nonexistent, like an older API version; repeatable.
  --version-warning <t>   Send this X-Ad-Api-Version-Warning header on every response.
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

/** Validates a numbers file; messages name the entry and field, never a value (PINs, backups). */
function parseNumbers(text: string, file: string): SimNumber[] {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw new Error(`${file} is not valid JSON`)
  }
  if (!Array.isArray(json)) throw new Error(`${file} must hold a JSON array of numbers`)
  return json.map((entry: unknown, i) => {
    const n = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>
    const where = `${file}: number ${i}`
    const text = (field: string): void => {
      if (typeof n[field] !== 'string') throw new Error(`${where}: ${field} must be a string`)
    }
    const optional = (field: string, type: 'string' | 'boolean'): void => {
      if (n[field] !== undefined && typeof n[field] !== type) {
        throw new Error(`${where}: ${field} must be a ${type} when given`)
      }
    }
    if (typeof n.id !== 'string' || !/^\d+$/.test(n.id)) {
      throw new Error(`${where}: id must be a string of digits`)
    }
    text('displayPhoneNumber')
    text('verifiedName')
    text('status')
    if (!['CLOUD_API', 'ON_PREMISE', 'NOT_APPLICABLE'].includes(n.platformType as string)) {
      throw new Error(`${where}: platformType must be CLOUD_API, ON_PREMISE or NOT_APPLICABLE`)
    }
    if (n.pin !== null && (typeof n.pin !== 'string' || !/^\d{6}$/.test(n.pin))) {
      throw new Error(`${where}: pin must be 6 digits in a string, or null`)
    }
    optional('nameStatus', 'string')
    optional('codeVerificationStatus', 'string')
    optional('throughputLevel', 'string')
    optional('isOnBizApp', 'boolean')
    const backup = n.backup as Record<string, unknown> | undefined
    if (
      backup !== undefined &&
      (typeof backup?.data !== 'string' || typeof backup.password !== 'string')
    ) {
      throw new Error(`${where}: backup must be an object with string fields data and password`)
    }
    return n as unknown as SimNumber
  })
}

/** The simulator's options from the command line, or undefined when only help was asked for. */
function parseCommandLine(argv: string[]): GraphSimulatorOptions | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '0' },
      numbers: { type: 'string' },
      token: { type: 'string', multiple: true },
      'success-shape': { type: 'string', default: 'boolean' },
      'unknown-field': { type: 'string', multiple: true },
      'version-warning': { type: 'string' },
      help: { type: 'boolean', short: 'h' }
    }
  })
  if (values.help) return undefined
  const port = Number(values.port)
  if (!/^\d+$/.test(values.port) || port > 65535) {
    throw new Error('--port must be a whole number from 0 to 65535')
  }
  const shape = values['success-shape']
  if (shape !== 'boolean' && shape !== 'string') {
    throw new Error('--success-shape must be boolean or string')
  }
  return {
    numbers: values.numbers
      ? parseNumbers(readFileSync(values.numbers, 'utf8'), values.numbers)
      : [DEFAULT_NUMBER],
    tokens: values.token ?? ['sim-token'],
    port,
    successShape: shape,
    unknownFields: values['unknown-field'],
    versionWarning: values['version-warning']
  }
}

let options: GraphSimulatorOptions | undefined
try {
  options = parseCommandLine(process.argv.slice(2))
  if (!options) process.stdout.write(HELP)
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${HELP}`)
  process.exitCode = 2
}

if (options) {
  const sim = new GraphSimulator(options)
  const url = await sim.start()
  // stdout gets only this line, so that a CI step can append it to $GITHUB_ENV as it is.
  process.stdout.write(`GRAPH_API_URL=${url}\n`)
  const numbers = options.numbers.map(n => `${n.id} (${n.platformType}, ${n.status})`).join(', ')
  process.stderr.write(`Graph API simulator on ${url} serving ${numbers}. Stop with Ctrl-C.\n`)
  const shutdown = (): void => {
    sim.stop().catch(() => {
      process.exitCode = 1
    })
  }
  process.once('SIGINT', shutdown)
  process.once('SIGTERM', shutdown)
}
