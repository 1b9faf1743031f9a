import type { IncomingHttpHeaders } from 'node:http'
import { describe, it, expect } from '@jest/globals'
import { response, TIMING } from '../__fixtures__/graph.js'
import { deregisterWithRetries, isDeregistered, proveDeregistered } from '../src/deregistration.js'
import { NetworkFailure, type GraphClient, type HttpExchange } from '../src/graph.js'
import { PhoneNumberReader, type PhoneNumberState } from '../src/phone-number.js'

const ID = '1234567890123456'
const SETTINGS = { phoneNumberId: ID, retries: 2, settleMs: 0 }

const SUCCESS = response(200, { success: true })
const graphError = (
  status: number,
  error: Record<string, unknown>,
  headers?: IncomingHttpHeaders
) =>
  response(status, { error: { message: 'Simulated', type: 'OAuthException', ...error } }, headers)
const TIMEOUT = new NetworkFailure('60 s', undefined, true, false)
const node = (platformType: string, status: string) =>
  response(200, { id: ID, platform_type: platformType, status })
const ON_CLOUD = node('CLOUD_API', 'CONNECTED')
const OFF_CLOUD = node('NOT_APPLICABLE', 'DISCONNECTED')

type Step = HttpExchange | NetworkFailure

/** A GraphClient answering deregister calls and reads from scripts; anything else fails the test. */
function fakeGraph(deregisterSteps: Step[], readSteps: Step[] = []) {
  const calls: { path: string; body: unknown }[] = []
  const order: string[] = []
  const next = (steps: Step[], what: string): Promise<HttpExchange> => {
    const step = steps.shift()
    if (step === undefined) return Promise.reject(new Error(`unexpected ${what} call`))
    return step instanceof NetworkFailure ? Promise.reject(step) : Promise.resolve(step)
  }
  const graph = {
    post: (path: string, body?: unknown) => {
      calls.push({ path, body })
      order.push('deregister')
      return next(deregisterSteps, 'deregister')
    },
    get: () => {
      order.push('read')
      return next(readSteps, 'read')
    }
  } as unknown as GraphClient
  return { graph, calls, order }
}

async function deregister(
  fake: ReturnType<typeof fakeGraph>,
  settings: Partial<typeof SETTINGS> = {}
) {
  let clock = 0
  const unknown: boolean[] = []
  const logs: string[] = []
  const outcome = await deregisterWithRetries({
    graph: fake.graph,
    numbers: new PhoneNumberReader(fake.graph, ID),
    settings: { ...SETTINGS, ...settings },
    env: {
      timing: TIMING,
      now: () => clock,
      sleep: ms => {
        clock += ms
        return Promise.resolve()
      },
      log: message => logs.push(message)
    },
    onOutcomeUnknown: value => unknown.push(value)
  })
  return { outcome, unknown, logs }
}

describe('proveDeregistered', () => {
  it.each<[string, PhoneNumberState, string]>([
    [
      'off CLOUD_API',
      { id: ID, platformType: 'NOT_APPLICABLE', status: 'DISCONNECTED' },
      'happened'
    ],
    ['on premises', { platformType: 'ON_PREMISE', status: 'CONNECTED' }, 'happened'],
    [
      'still on CLOUD_API',
      { id: ID, platformType: 'CLOUD_API', status: 'CONNECTED' },
      'not-happened'
    ],
    [
      'on CLOUD_API, disconnected',
      { platformType: 'CLOUD_API', status: 'DISCONNECTED' },
      'not-happened'
    ],
    ['another id', { id: '9', platformType: 'NOT_APPLICABLE', status: 'PENDING' }, 'nothing'],
    ['no platform', { id: ID, status: 'PENDING' }, 'nothing'],
    ['no status', { id: ID, platformType: 'NOT_APPLICABLE' }, 'nothing']
  ])('a read %s proves: %s', (_, state, proved) => {
    expect(proveDeregistered(state, ID).proved).toBe(proved)
  })

  it('counts a number without a platform as neither registered nor deregistered', () => {
    expect(isDeregistered({ status: 'CONNECTED' })).toBe(false)
    expect(isDeregistered({ platformType: 'CLOUD_API' })).toBe(false)
    expect(isDeregistered({ platformType: 'NOT_APPLICABLE' })).toBe(true)
  })
})

describe('deregisterWithRetries', () => {
  it('sends POST {id}/deregister without a body, once', async () => {
    const fake = fakeGraph([SUCCESS])
    const { outcome, unknown } = await deregister(fake)
    expect(outcome).toEqual({ ok: true, attempts: 1, exchange: SUCCESS })
    expect(fake.calls).toEqual([{ path: `${ID}/deregister`, body: undefined }])
    expect(unknown).toEqual([true, false])
  })

  it.each([
    ['the 72-hour limit', graphError(400, { code: 133016 })],
    ['the limit nested under 100', graphError(400, { code: 100, error_subcode: 133016 })],
    [
      'a coexistence refusal',
      graphError(400, {
        code: 100,
        message: 'Deregister endpoint is not available for API solution for SMB businesses.'
      })
    ],
    ['a number not registered', graphError(400, { code: 100, error_subcode: 2207051 })],
    ['a rate limit marked transient', graphError(400, { code: 4, is_transient: true })]
  ])('never retries %s', async (_, answer) => {
    const fake = fakeGraph([answer])
    const { outcome } = await deregister(fake, { retries: 5 })
    expect(outcome).toMatchObject({ ok: false, attempts: 1, uncertain: false })
    expect(fake.order).toEqual(['deregister'])
  })

  it('retries a transient error (133004) without reading: nothing happened', async () => {
    const fake = fakeGraph([graphError(503, { code: 133004 }), SUCCESS])
    const { outcome } = await deregister(fake)
    expect(outcome).toMatchObject({ ok: true, attempts: 2 })
    expect(fake.order).toEqual(['deregister', 'deregister'])
  })

  it('settles a timeout by reading: off CLOUD_API means it went through, no second call', async () => {
    const fake = fakeGraph([TIMEOUT], [OFF_CLOUD])
    const { outcome, unknown, logs } = await deregister(fake)
    expect(outcome).toEqual({
      ok: true,
      attempts: 1,
      confirmedState: { id: ID, platformType: 'NOT_APPLICABLE', status: 'DISCONNECTED' }
    })
    expect(fake.order).toEqual(['deregister', 'read'])
    expect(unknown).toEqual([true, false])
    expect(logs).toContain(
      'The number is no longer on CLOUD_API: the deregister call went through.'
    )
  })

  it('retries only once a read after the window shows the number still on CLOUD_API', async () => {
    const fake = fakeGraph([TIMEOUT, SUCCESS], [ON_CLOUD])
    const { outcome } = await deregister(fake)
    expect(outcome).toMatchObject({ ok: true, attempts: 2 })
    expect(fake.order).toEqual(['deregister', 'read', 'deregister'])
  })

  it('ends uncertain when no read proves anything, with no second call', async () => {
    const fake = fakeGraph([TIMEOUT], [response(503, 'Service Unavailable')])
    const { outcome, unknown } = await deregister(fake)
    expect(outcome).toMatchObject({ ok: false, attempts: 1, uncertain: true })
    expect(fake.order).toEqual(['deregister', 'read'])
    expect(unknown).toEqual([true])
  })
})
