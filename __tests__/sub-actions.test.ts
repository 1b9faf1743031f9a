/**
 * The deregister and set-pin flows in-process, through a recording Host against the simulator:
 * inputs masked before anything else, problems all at once and no request, outputs exactly those
 * each action.yml declares, summaries, and what a cancellation says.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as core from '@actions/core'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { parse } from 'yaml'
import { newProgress } from '../src/cancellation.js'
import { DEREGISTER } from '../src/deregister/flow.js'
import { readDeregisterSettings } from '../src/deregister/inputs.js'
import { DEREGISTER_OUTPUTS } from '../src/deregister/report.js'
import type { FlowOptions } from '../src/flow.js'
import { newFlowReport } from '../src/flow-report.js'
import type { Host } from '../src/host.js'
import { InputError, type InputSource } from '../src/input-rules.js'
import type { RetryTiming } from '../src/retry.js'
import { SET_PIN } from '../src/set-pin/flow.js'
import { readSetPinSettings } from '../src/set-pin/inputs.js'
import { SET_PIN_OUTPUTS } from '../src/set-pin/report.js'
import { GraphSimulator, type SimNumber } from '../sim/graph-simulator.js'
import { runFlow } from '../src/flow.js'

const TOKEN = 'EAAGm0PX4ZCpsBAKZAB1rT2xQv9Lw7'
const PIN = '004217'
const NEW_PIN = '061538'
const ID = '3333333333333333'
const REGISTERED: SimNumber = {
  id: ID,
  displayPhoneNumber: '+1 555-0103',
  verifiedName: 'Acme Cloud',
  platformType: 'CLOUD_API',
  status: 'CONNECTED',
  pin: PIN
}
const ZERO_WAITS: RetryTiming = {
  baseDelayMs: 0,
  maxDelayMs: 0,
  maxRetryAfterMs: 60_000,
  random: () => 0
}

const root = new URL('../', import.meta.url)
function declaredOutputs(dir: string): string[] {
  const action = parse(readFileSync(new URL(`${dir}/action.yml`, root), 'utf8')) as {
    outputs: Record<string, unknown>
  }
  return Object.keys(action.outputs)
}

let sim: GraphSimulator | undefined
// One summary file for the whole file: core.summary keeps the path it first wrote to.
const dir = mkdtempSync(join(tmpdir(), 'sub-actions-'))
beforeAll(() => {
  process.env.GITHUB_STEP_SUMMARY = join(dir, 'summary')
})
beforeEach(() => {
  writeFileSync(join(dir, 'summary'), '')
  core.summary.emptyBuffer()
})
afterEach(async () => {
  await sim?.stop()
  sim = undefined
})
afterAll(() => {
  delete process.env.GITHUB_STEP_SUMMARY
  rmSync(dir, { recursive: true, force: true })
})

/** A host that records, in order, every input read, mask, message and output. */
function recordingHost(inputs: Record<string, string>) {
  const events: string[] = []
  const outputs: Record<string, string> = {}
  const host: Host = {
    input: name => {
      events.push(`input ${name}`)
      return inputs[name] ?? ''
    },
    mask: value => events.push(`mask ${value}`),
    info: message => events.push(`info ${message}`),
    warning: message => events.push(`warning ${message}`),
    fail: message => events.push(`fail ${message}`),
    output: (name, value) => {
      outputs[name] = value
    },
    summary: core.summary,
    workspace: dir
  }
  return { host, events, outputs, summary: () => readFileSync(join(dir, 'summary'), 'utf8') }
}

async function graph(numbers: SimNumber[] = [REGISTERED]): Promise<string> {
  sim = new GraphSimulator({ numbers, tokens: [TOKEN] })
  return sim.start()
}

const options = (host: Host): FlowOptions => ({
  host,
  timing: ZERO_WAITS,
  sleep: () => Promise.resolve()
})

describe('the outputs', () => {
  it('of deregister are exactly those deregister/action.yml declares', () => {
    expect([...DEREGISTER_OUTPUTS]).toEqual(declaredOutputs('deregister'))
  })

  it('of set-pin are exactly those set-pin/action.yml declares', () => {
    expect([...SET_PIN_OUTPUTS]).toEqual(declaredOutputs('set-pin'))
  })
})

describe('deregister', () => {
  const inputsFor = (url: string, extra: Record<string, string> = {}) => ({
    'access-token': TOKEN,
    'phone-number-id': ID,
    'confirm-display-phone-number': '+1 555-0103',
    'graph-api-url': url,
    ...extra
  })

  it('masks the token before reading any other input, and sets only declared outputs', async () => {
    const url = await graph()
    const run = recordingHost(inputsFor(url))
    await runFlow(DEREGISTER, options(run.host))
    expect(run.events.slice(0, 2)).toEqual(['input access-token', `mask ${TOKEN}`])
    expect(run.outputs).toMatchObject({ success: 'true', result: 'deregistered', attempts: '1' })
    expect(declaredOutputs('deregister')).toEqual(expect.arrayContaining(Object.keys(run.outputs)))
    expect(run.events.filter(event => event.startsWith('fail'))).toEqual([])
    expect(run.summary()).toContain('<h2>WhatsApp Cloud API deregistration</h2>')
    expect(run.summary()).toContain('<h3>What to do next</h3>')
  })

  it('lists every input problem at once and makes no request', async () => {
    const url = await graph()
    const run = recordingHost(
      inputsFor(url, {
        'phone-number-id': '+15550103',
        'confirm-display-phone-number': '',
        retries: '-1',
        'settle-seconds': '301'
      })
    )
    await runFlow(DEREGISTER, options(run.host))
    expect(sim?.requests).toEqual([])
    expect(run.outputs).toMatchObject({ success: 'false', result: 'failed' })
    expect(run.outputs['error-message']?.split('\n').map(line => line.split(':')[0])).toEqual([
      'Invalid inputs',
      '- phone-number-id',
      '- confirm-display-phone-number',
      '- retries',
      '- settle-seconds'
    ])
    expect(run.summary()).toContain('<h3>Input problems</h3>')
  })

  it('says what is known of the number when cancelled', () => {
    const unknown = { ...newProgress(), outcomeUnknown: true, calls: 1 }
    const report = newFlowReport<'deregistered' | 'uncertain'>()
    expect(DEREGISTER.cancelled('SIGINT', unknown, report)).toMatch(
      /^Cancelled \(SIGINT\) while a deregister call was in flight: its outcome is unknown/
    )
    expect(report.result).toBe('uncertain')
    const done = { ...newProgress(), calls: 1, carriedOut: true }
    const after = newFlowReport<'deregistered'>()
    expect(DEREGISTER.cancelled('SIGTERM', done, after)).toMatch(
      /after the number was deregistered/
    )
    expect(after.result).toBe('deregistered')
    const idle = newFlowReport<'deregistered'>()
    expect(DEREGISTER.cancelled('SIGTERM', newProgress(), idle)).toMatch(
      /no deregister call in flight/
    )
    expect(idle.result).toBe('failed')
  })
})

describe('set-pin', () => {
  const inputsFor = (url: string, extra: Record<string, string> = {}) => ({
    'access-token': TOKEN,
    'phone-number-id': ID,
    'new-pin': NEW_PIN,
    'graph-api-url': url,
    ...extra
  })

  it('masks the token and the new PIN before reading any other input', async () => {
    const url = await graph()
    const run = recordingHost(inputsFor(url))
    await runFlow(SET_PIN, options(run.host))
    expect(run.events.slice(0, 4)).toEqual([
      'input access-token',
      'input new-pin',
      `mask ${TOKEN}`,
      `mask ${NEW_PIN}`
    ])
    expect(run.outputs).toMatchObject({ success: 'true', result: 'pin-set' })
    expect(declaredOutputs('set-pin')).toEqual(expect.arrayContaining(Object.keys(run.outputs)))
    expect(sim?.number(ID).pin).toBe(NEW_PIN)
    expect(run.summary()).toMatch(
      /<h3>What to do next<\/h3>\n<ul><li>Before anything else, store the new PIN/
    )
    for (const event of run.events.filter(e => !e.startsWith('mask')))
      expect(event).not.toContain(NEW_PIN)
  })

  it('says what is known of the PIN when cancelled', () => {
    const report = newFlowReport<'pin-set'>()
    expect(
      SET_PIN.cancelled('SIGINT', { ...newProgress(), outcomeUnknown: true, calls: 1 }, report)
    ).toMatch(/The PIN may be the new one or still the old one/)
    expect(report.result).toBe('failed')
    const set = newFlowReport<'pin-set'>()
    SET_PIN.cancelled('SIGINT', { ...newProgress(), calls: 1, carriedOut: true }, set)
    expect(set.result).toBe('pin-set')
    expect(set.notes).toEqual([expect.stringMatching(/^Before anything else, store the new PIN/)])
  })
})

/** An InputSource over a map, recording registered secrets. */
function sourceOf(inputs: Record<string, string>): { source: InputSource; secrets: string[] } {
  const secrets: string[] = []
  return {
    secrets,
    source: {
      getInput: name => inputs[name] ?? '',
      registerSecret: v => secrets.push(v),
      workspace: '/'
    }
  }
}

function problemsOf(
  read: (source: InputSource) => unknown,
  inputs: Record<string, string>
): string[] {
  try {
    read(sourceOf(inputs).source)
  } catch (error) {
    if (error instanceof InputError) return error.problems
    throw error
  }
  throw new Error('accepted')
}

describe('readDeregisterSettings', () => {
  const VALID = {
    'access-token': TOKEN,
    'phone-number-id': ID,
    'confirm-display-phone-number': '+1 555-0103'
  }

  it('returns the defaults, the guard as given, and a warning below 30 s of timeout', () => {
    expect(readDeregisterSettings(sourceOf(VALID).source)).toEqual({
      settings: {
        accessToken: TOKEN,
        phoneNumberId: ID,
        confirmDisplayPhoneNumber: '+1 555-0103',
        apiVersion: 'v26.0',
        graphApiUrl: 'https://graph.facebook.com',
        timeoutMs: 60_000,
        retries: 2,
        settleMs: 30_000,
        dryRun: false
      },
      warnings: []
    })
    const { warnings } = readDeregisterSettings(
      sourceOf({ ...VALID, 'timeout-seconds': '5' }).source
    )
    expect(warnings).toEqual([
      'timeout-seconds is 5: a deregister call cut short leaves its outcome uncertain. 30 or more is safer.'
    ])
  })

  it.each([
    ['+1 (555) 010-3', true],
    ['1.555.0103', true],
    ['  +1 555-0103  ', true],
    ['1234', false],
    ['+1 555 0103 ext. 4', false],
    ['1234567890123456', false],
    ['+1 555-0103\n+1 555-0104', false]
  ])('takes %p as a display phone number: %p', (value, valid) => {
    const problems = (() => {
      try {
        readDeregisterSettings(sourceOf({ ...VALID, 'confirm-display-phone-number': value }).source)
        return []
      } catch (error) {
        return (error as InputError).problems
      }
    })()
    expect(problems.length === 0).toBe(valid)
  })

  it('registers the token alone as a secret: the display number is not one', () => {
    const { source, secrets } = sourceOf(VALID)
    readDeregisterSettings(source)
    expect(secrets).toEqual([TOKEN])
  })
})

describe('readSetPinSettings', () => {
  const VALID = { 'access-token': TOKEN, 'phone-number-id': ID, 'new-pin': NEW_PIN }

  it('keeps the new PIN as a string with its leading zero', () => {
    expect(readSetPinSettings(sourceOf(VALID).source).settings).toEqual({
      accessToken: TOKEN,
      phoneNumberId: ID,
      newPin: NEW_PIN,
      apiVersion: 'v26.0',
      graphApiUrl: 'https://graph.facebook.com',
      timeoutMs: 60_000,
      retries: 2,
      dryRun: false
    })
  })

  it.each([
    ['missing', '', /^new-pin: required/],
    ['5 digits', '61538', /^new-pin: expected exactly 6 digits/],
    ['with a space inside', '061 538', /^new-pin: expected exactly 6 digits/],
    ['with a trailing newline', `${NEW_PIN}\n`, /^new-pin: has spaces or a line break/],
    ['in Arabic-Indic digits', '٠٦١٥٣٨', /^new-pin: expected exactly 6 digits/]
  ])('refuses a new-pin %s, never quoting it', (_, value, problem) => {
    const problems = problemsOf(readSetPinSettings, { ...VALID, 'new-pin': value })
    expect(problems).toEqual([expect.stringMatching(problem)])
    if (value.trim() !== '') expect(problems[0]).not.toContain(value.trim())
  })

  it('registers an invalid new PIN as a secret too', () => {
    const { source, secrets } = sourceOf({ ...VALID, 'new-pin': '06153' })
    expect(() => readSetPinSettings(source)).toThrow(InputError)
    expect(secrets).toEqual([TOKEN, '06153'])
  })
})
