import { afterEach, describe, expect, it } from '@jest/globals'
import { TIMING } from '../__fixtures__/graph.js'
import { newProgress } from '../src/cancellation.js'
import {
  deregisterStep,
  phoneDigits,
  refusal,
  type DeregisterContext
} from '../src/deregister/step.js'
import { GraphClient } from '../src/graph.js'
import type { Host } from '../src/host.js'
import type { Settings } from '../src/inputs.js'
import { PhoneNumberReader } from '../src/phone-number.js'
import { Redactor } from '../src/redact.js'
import { GraphSimulator, type SimNumber } from '../sim/graph-simulator.js'

const TOKEN = 'EAAGm0PX4ZCpsBAKZAB1rT2xQv9Lw7'
const ID = '3333333333333333'
const REGISTERED: SimNumber = {
  id: ID,
  displayPhoneNumber: '+1 555-0103',
  verifiedName: 'Acme Cloud',
  platformType: 'CLOUD_API',
  status: 'CONNECTED',
  pin: '004217'
}

let sim: GraphSimulator | undefined
afterEach(async () => {
  await sim?.stop()
  sim = undefined
})

/**
 * The register flow's own context (its Settings included), as a flow that goes on after the
 * deregistration would pass it: the step needs nothing the register flow does not have.
 */
async function registerFlowContext(
  number: SimNumber
): Promise<DeregisterContext & { settings: Settings; lines: string[] }> {
  sim = new GraphSimulator({ numbers: [number], tokens: [TOKEN] })
  const url = await sim.start()
  const settings: Settings = {
    accessToken: TOKEN,
    phoneNumberId: ID,
    pin: '004217',
    dataLocalizationRegion: 'DE',
    apiVersion: 'v26.0',
    graphApiUrl: url,
    timeoutMs: 5000,
    retries: 1,
    settleMs: 0,
    preflight: true,
    skipIfRegistered: true,
    dryRun: false
  }
  const graph = new GraphClient({
    baseUrl: url,
    apiVersion: 'v26.0',
    accessToken: TOKEN,
    timeoutMs: 5000,
    userAgent: 'test/1.0.0'
  })
  const lines: string[] = []
  const host = { info: (line: string) => lines.push(line) } as unknown as Host
  return {
    settings,
    graph,
    numbers: new PhoneNumberReader(graph, ID),
    env: {
      timing: TIMING,
      now: Date.now,
      sleep: () => Promise.resolve(),
      log: line => lines.push(line)
    },
    progress: newProgress(),
    redactor: new Redactor([TOKEN]),
    host,
    warn: line => lines.push(`warning: ${line}`),
    lines
  }
}

describe('phoneDigits and refusal', () => {
  it.each([
    ['+1 (555) 010-0', '15550100'],
    ['15550100', '15550100'],
    ['+44 7700 900361', '447700900361'],
    ['', '']
  ])('%s has the digits %s', (text, digits) => {
    expect(phoneDigits(text)).toBe(digits)
  })

  it.each<[string, Parameters<typeof refusal>[0], string | undefined, RegExp | undefined]>([
    ['the same digits', { displayPhoneNumber: '+1 555-0103' }, '1 (555) 0103', undefined],
    ['no guard asked', { displayPhoneNumber: '+1 555-0103' }, undefined, undefined],
    [
      'other digits',
      { displayPhoneNumber: '+1 555-0103' },
      '+1 555-0104',
      /is \+1 555-0103 according to Graph, not/
    ],
    ['a number prefix only', { displayPhoneNumber: '+1 555-0103' }, '+1 555-010', /not the number/],
    ['no display number read', {}, '+1 555-0103', /cannot be checked/],
    [
      'coexistence',
      { displayPhoneNumber: '+1 555-0103', isOnBizApp: true },
      '+1 555-0103',
      /coexistence/
    ],
    ['coexistence without a guard', { isOnBizApp: true }, undefined, /coexistence/]
  ])('%s', (_, state, confirm, expected) => {
    const refused = refusal(state, ID, confirm)
    if (expected === undefined) expect(refused).toBeUndefined()
    else expect(refused).toMatch(expected)
  })
})

describe('deregisterStep, run from another flow', () => {
  it('takes the state the flow has read, reads no more before the call, and confirms after', async () => {
    const context = await registerFlowContext(REGISTERED)
    const before = {
      id: ID,
      displayPhoneNumber: '+1 555-0103',
      platformType: 'CLOUD_API',
      status: 'CONNECTED'
    }
    const outcome = await deregisterStep(context, { dryRun: false, before })
    context.graph.dispose()
    expect(outcome).toMatchObject({
      kind: 'deregistered',
      before,
      after: { platformType: 'NOT_APPLICABLE', status: 'DISCONNECTED' },
      confirmed: true,
      attempts: 1
    })
    expect(sim?.requests.map(r => r.route)).toEqual(['deregister', 'read'])
    expect(context.progress).toMatchObject({ outcomeUnknown: false, calls: 1, carriedOut: true })
  })

  it('reads first without a state, and never calls for a number off CLOUD_API', async () => {
    const context = await registerFlowContext({
      ...REGISTERED,
      platformType: 'NOT_APPLICABLE',
      status: 'PENDING'
    })
    const outcome = await deregisterStep(context, {
      dryRun: false,
      confirmDisplayPhoneNumber: '+1 555 0103'
    })
    context.graph.dispose()
    expect(outcome.kind).toBe('already-deregistered')
    expect(sim?.writes()).toEqual([])
  })

  it('refuses a read without a platform: whether the number is registered is unknown', async () => {
    const context = await registerFlowContext(REGISTERED)
    const outcome = await deregisterStep(context, {
      dryRun: false,
      before: { id: ID, status: 'CONNECTED' }
    })
    context.graph.dispose()
    expect(outcome).toMatchObject({
      kind: 'refused',
      message: expect.stringMatching(/did not say its platform/)
    })
    expect(sim?.requests).toEqual([])
  })

  it('passes a failed call on with its failure and the calls made', async () => {
    const context = await registerFlowContext(REGISTERED)
    sim?.script('deregister', [{ kind: 'graph-error', status: 400, code: 133016 }])
    const outcome = await deregisterStep(context, { dryRun: false })
    context.graph.dispose()
    expect(outcome).toMatchObject({
      kind: 'failed',
      attempts: 1,
      failure: { code: 133016, next: 'stop' }
    })
    expect(outcome.kind === 'failed' && outcome.message).toMatch(/^Deregister failed: HTTP 400/)
  })
})
