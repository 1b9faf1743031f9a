import { readFileSync } from 'node:fs'
import { describe, it, expect } from '@jest/globals'
import {
  ACTION_NAME,
  ACTION_VERSION,
  DEFAULT_API_VERSION,
  DEFAULT_GRAPH_API_URL,
  DEFAULT_RETRIES,
  DEFAULT_TIMEOUT_SECONDS,
  RECOMMENDED_MIN_TIMEOUT_SECONDS,
  USER_AGENT
} from '../src/constants.js'
import { DATA_LOCALIZATION_REGIONS, readSettings, type InputSource } from '../src/inputs.js'
import { Redactor } from '../src/redact.js'
import { newReport, outputsOf } from '../src/report.js'

const ROOT = new URL('..', import.meta.url)

interface Entry {
  required?: string
  default?: string
  description?: string
}

/**
 * Just enough YAML for action.yml: the `inputs:` and `outputs:` maps, each entry's scalar
 * `required`, `default` and one-line or folded `description`.
 */
function readActionYml(): Record<'inputs' | 'outputs', Record<string, Entry>> {
  const sections: Record<'inputs' | 'outputs', Record<string, Entry>> = { inputs: {}, outputs: {} }
  let section: Record<string, Entry> | undefined
  let entry: Entry | undefined
  let folding = false
  for (const line of readFileSync(new URL('action.yml', ROOT), 'utf8').split('\n')) {
    const top = /^([\w-]+):/.exec(line)
    if (top) {
      section = top[1] === 'inputs' || top[1] === 'outputs' ? sections[top[1]] : undefined
      entry = undefined
      continue
    }
    if (!section) continue
    const key = /^ {2}([\w-]+):\s*$/.exec(line)
    if (key?.[1]) {
      entry = section[key[1]] = {}
      folding = false
      continue
    }
    const property = /^ {4}(required|default|description):\s*(.*)$/.exec(line)
    if (property && entry) {
      const [, name, raw = ''] = property
      folding = raw === '>-' || raw === '>'
      entry[name as keyof Entry] = folding ? '' : unquote(raw)
      continue
    }
    if (folding && entry && /^ {6}\S/.test(line)) {
      entry.description = `${entry.description ?? ''} ${line.trim()}`.trim()
    }
  }
  return sections
}

function unquote(value: string): string {
  const quoted = /^'(.*)'$/.exec(value) ?? /^"(.*)"$/.exec(value)
  return quoted?.[1] ?? value
}

const action = readActionYml()
const packageJson = JSON.parse(readFileSync(new URL('package.json', ROOT), 'utf8')) as {
  version: string
}

/** An InputSource over a map that records which inputs the action reads. */
function source(inputs: Record<string, string>, read: Set<string> = new Set()): InputSource {
  return {
    getInput: name => {
      read.add(name)
      return inputs[name] ?? ''
    },
    registerSecret: () => {},
    workspace: '/nonexistent'
  }
}

const REQUIRED = {
  'access-token': 'EAAGm0PX4ZCpsBAKZAB1rT2xQv9Lw7',
  'phone-number-id': '1234567890123456',
  pin: '004217'
}

describe('constants', () => {
  it('names the package version in ACTION_VERSION and the user agent', () => {
    expect(ACTION_VERSION).toBe(packageJson.version)
    expect(USER_AGENT).toBe(`${ACTION_NAME}/${packageJson.version}`)
    expect(USER_AGENT).toMatch(/^[a-z0-9-]+\/\d+\.\d+\.\d+$/)
  })

  it('has a Graph API version of the documented shape', () => {
    expect(DEFAULT_API_VERSION).toMatch(/^v[0-9]+\.[0-9]+$/)
  })

  it('defaults to a timeout long enough for a 15 s register call, without a warning', () => {
    expect(DEFAULT_TIMEOUT_SECONDS).toBeGreaterThanOrEqual(RECOMMENDED_MIN_TIMEOUT_SECONDS)
    expect(RECOMMENDED_MIN_TIMEOUT_SECONDS).toBeGreaterThan(15)
  })
})

describe('action.yml agrees with the code', () => {
  it('reads the inputs, as the minimal parser sees them', () => {
    expect(Object.keys(action.inputs).length).toBeGreaterThanOrEqual(14)
    expect(action.inputs['api-version']?.default).toBeDefined()
  })

  it.each([
    ['api-version', DEFAULT_API_VERSION],
    ['graph-api-url', DEFAULT_GRAPH_API_URL],
    ['timeout-seconds', String(DEFAULT_TIMEOUT_SECONDS)],
    ['retries', String(DEFAULT_RETRIES)]
  ])('declares the default of %s as %s', (name, value) => {
    expect(action.inputs[name]?.default).toBe(value)
  })

  it('gives the same settings with action.yml defaults as with no optional input at all', () => {
    const defaults = Object.fromEntries(
      Object.entries(action.inputs).flatMap(([name, entry]) =>
        entry.default === undefined ? [] : [[name, entry.default]]
      )
    )
    expect(Object.keys(defaults).sort()).toEqual(
      [
        'api-version',
        'dry-run',
        'graph-api-url',
        'on-region-mismatch',
        'preflight',
        'retries',
        'settle-seconds',
        'skip-if-registered',
        'timeout-seconds'
      ].sort()
    )
    expect(readSettings(source({ ...REQUIRED, ...defaults }))).toEqual(
      readSettings(source(REQUIRED))
    )
  })

  it('declares exactly the inputs the action reads, and requires the three it needs', () => {
    const read = new Set<string>()
    readSettings(source(REQUIRED, read))
    expect([...read].sort()).toEqual(Object.keys(action.inputs).sort())
    const required = Object.entries(action.inputs)
      .filter(([, entry]) => entry.required === 'true')
      .map(([name]) => name)
    expect(required.sort()).toEqual(['access-token', 'phone-number-id', 'pin'])
  })

  it('lists the same data-localization regions as the code', () => {
    const description = action.inputs['data-localization-region']?.description ?? ''
    const listed = /\(([A-Z ]+)\)/.exec(description)?.[1]?.split(' ')
    expect(listed).toEqual([...DATA_LOCALIZATION_REGIONS])
  })

  it('declares every output the action can set', () => {
    const everything = outputsOf(
      {
        ...newReport(),
        phoneNumberId: '1',
        before: { displayPhoneNumber: '+1', verifiedName: 'A' },
        after: {
          platformType: 'CLOUD_API',
          status: 'CONNECTED',
          nameStatus: 'APPROVED',
          throughputLevel: 'STANDARD'
        },
        storageBefore: { status: 'default' },
        wiring: {
          wabaId: '2',
          subscribed: true,
          webhook: { url: 'https://example.com/hook', source: 'number override' },
          planned: []
        },
        httpStatus: 400,
        failure: {
          kind: 'graph',
          message: 'm',
          code: 100,
          subcode: 33,
          next: 'stop'
        },
        errorMessage: 'm',
        response: '{}',
        fbtraceId: 't'
      },
      new Redactor()
    )
    expect(Object.keys(everything).sort()).toEqual(Object.keys(action.outputs).sort())
  })
})
