import { describe, it, expect } from '@jest/globals'
import { response, TIMING } from '../__fixtures__/graph.js'
import { NetworkFailure, type GraphClient, type HttpExchange } from '../src/graph.js'
import {
  CORE_FIELDS,
  EXTRA_FIELDS,
  isRegistered,
  parsePhoneNumber,
  PhoneNumberReader,
  type PhoneNumberState
} from '../src/phone-number.js'

const ID = '1234567890123456'
const FULL_NODE = {
  id: ID,
  display_phone_number: '+1 555-0100',
  verified_name: 'Acme Support',
  platform_type: 'ON_PREMISE',
  status: 'CONNECTED',
  code_verification_status: 'VERIFIED',
  name_status: 'APPROVED',
  quality_rating: 'GREEN',
  is_on_biz_app: false,
  throughput: { level: 'STANDARD' }
}

const NONEXISTING_FIELD = response(400, {
  error: {
    message:
      '(#100) Tried accessing nonexisting field (is_on_biz_app) on node type (WhatsAppBusinessPhoneNumber)',
    type: 'OAuthException',
    code: 100,
    fbtrace_id: 'AbCdEf'
  }
})
const CORE_NODE = response(200, {
  id: ID,
  display_phone_number: '+1 555-0100',
  verified_name: 'Acme Support',
  platform_type: 'CLOUD_API',
  status: 'CONNECTED'
})

type Step = HttpExchange | NetworkFailure | Error

function fakeGraph(steps: Step[]) {
  const calls: { id: string; fields: readonly string[] }[] = []
  const graph = {
    get: (path: string, query: { fields: string }) => {
      calls.push({ id: path, fields: query.fields.split(',') })
      const step = steps.shift()
      if (step === undefined) return Promise.reject(new Error('unexpected read'))
      return step instanceof Error ? Promise.reject(step) : Promise.resolve(step)
    },
    post: () => Promise.reject(new Error('unexpected post'))
  } as unknown as GraphClient
  return { graph, calls }
}

describe('parsePhoneNumber', () => {
  it('keeps free text from the server on one line, without controls', () => {
    const state = parsePhoneNumber(
      JSON.stringify({
        ...FULL_NODE,
        verified_name: 'Acme\n::set-output name=success::true',
        display_phone_number: '+1\u001b[31m 555',
        throughput: { level: 'HIGH\r\n::add-mask::x' }
      })
    )
    expect(state).toMatchObject({
      verifiedName: 'Acme ::set-output name=success::true',
      displayPhoneNumber: '+1 555',
      throughputLevel: 'HIGH ::add-mask::x'
    })
  })

  it('maps every field it knows', () => {
    expect(parsePhoneNumber(JSON.stringify(FULL_NODE))).toEqual({
      id: ID,
      displayPhoneNumber: '+1 555-0100',
      verifiedName: 'Acme Support',
      platformType: 'ON_PREMISE',
      status: 'CONNECTED',
      codeVerificationStatus: 'VERIFIED',
      nameStatus: 'APPROVED',
      qualityRating: 'GREEN',
      isOnBizApp: false,
      throughputLevel: 'STANDARD'
    })
  })

  it('leaves out missing fields instead of setting them undefined', () => {
    const state = parsePhoneNumber('{"id":"1","platform_type":"CLOUD_API"}')
    expect(state).toEqual({ id: '1', platformType: 'CLOUD_API' })
    expect(Object.keys(state ?? {})).toEqual(['id', 'platformType'])
  })

  it('ignores fields of the wrong type', () => {
    expect(
      parsePhoneNumber(
        JSON.stringify({
          platform_type: 5,
          status: null,
          verified_name: ['x'],
          is_on_biz_app: 'true',
          throughput: 'HIGH'
        })
      )
    ).toEqual({})
    expect(parsePhoneNumber('{"throughput":null}')).toEqual({})
    expect(parsePhoneNumber('{"throughput":{"level":3}}')).toEqual({})
  })

  it('takes an empty node as a node that says nothing', () => {
    expect(parsePhoneNumber('{}')).toEqual({})
  })

  it.each([
    ['a Graph error', '{"error":{"code":190}}'],
    ['an array', '[{"platform_type":"CLOUD_API"}]'],
    ['null', 'null'],
    ['a string', '"CLOUD_API"'],
    ['HTML', '<html></html>'],
    ['empty', '']
  ])('returns undefined for %s', (_, body) => {
    expect(parsePhoneNumber(body)).toBeUndefined()
  })
})

describe('isRegistered', () => {
  it.each<[PhoneNumberState | undefined, boolean]>([
    [{ platformType: 'CLOUD_API', status: 'CONNECTED' }, true],
    [{ platformType: 'CLOUD_API', status: 'PENDING' }, false],
    [{ platformType: 'CLOUD_API', status: 'DISCONNECTED' }, false],
    [{ platformType: 'CLOUD_API' }, false],
    [{ platformType: 'ON_PREMISE', status: 'CONNECTED' }, false],
    [{ platformType: 'NOT_APPLICABLE', status: 'CONNECTED' }, false],
    [{ platformType: 'cloud_api', status: 'connected' }, false],
    [{ status: 'CONNECTED' }, false],
    [{}, false],
    [undefined, false]
  ])('%j → %s', (state, expected) => {
    expect(isRegistered(state)).toBe(expected)
  })
})

describe('PhoneNumberReader.read', () => {
  it('reads the core and the extra fields in one request', async () => {
    const { graph, calls } = fakeGraph([response(200, FULL_NODE)])
    const read = await new PhoneNumberReader(graph, ID).read()
    expect(read.ok).toBe(true)
    if (read.ok) expect(read.state.platformType).toBe('ON_PREMISE')
    expect(calls).toEqual([{ id: ID, fields: [...CORE_FIELDS, ...EXTRA_FIELDS] }])
  })

  it('reads again without the extra fields when Graph rejects one as nonexisting', async () => {
    const { graph, calls } = fakeGraph([NONEXISTING_FIELD, CORE_NODE])
    const read = await new PhoneNumberReader(graph, ID).read()
    expect(read).toEqual({
      ok: true,
      state: {
        id: ID,
        displayPhoneNumber: '+1 555-0100',
        verifiedName: 'Acme Support',
        platformType: 'CLOUD_API',
        status: 'CONNECTED'
      },
      exchange: CORE_NODE
    })
    expect(calls.map(call => call.fields)).toEqual([
      [...CORE_FIELDS, ...EXTRA_FIELDS],
      [...CORE_FIELDS]
    ])
    for (const field of EXTRA_FIELDS) expect(calls[1]?.fields).not.toContain(field)
  })

  it('remembers the rejected fields for the rest of the run, per reader', async () => {
    const { graph, calls } = fakeGraph([
      NONEXISTING_FIELD,
      CORE_NODE,
      CORE_NODE,
      response(200, FULL_NODE)
    ])
    const reader = new PhoneNumberReader(graph, ID)
    await reader.read()
    await reader.read()
    await new PhoneNumberReader(graph, ID).read()
    expect(calls.map(call => call.fields.length)).toEqual([
      CORE_FIELDS.length + EXTRA_FIELDS.length,
      CORE_FIELDS.length,
      CORE_FIELDS.length,
      CORE_FIELDS.length + EXTRA_FIELDS.length
    ])
  })

  it('reads again at most once', async () => {
    const { graph, calls } = fakeGraph([NONEXISTING_FIELD, NONEXISTING_FIELD])
    const read = await new PhoneNumberReader(graph, ID).read()
    expect(read).toMatchObject({ ok: false, failure: { code: 100, kind: 'graph' } })
    expect(calls).toHaveLength(2)
  })

  it.each<[string, HttpExchange]>([
    [
      'code 100 for an unknown id',
      response(400, {
        error: {
          message: "Unsupported get request. Object with ID '1' does not exist",
          code: 100,
          error_subcode: 33
        }
      })
    ],
    [
      'code 190 with "nonexisting field" in its text',
      response(400, { error: { message: 'Tried accessing nonexisting field', code: 190 } })
    ],
    ['a bad token', response(401, { error: { message: 'Invalid OAuth access token', code: 190 } })],
    ['an HTML 404', response(404, '<html>Not found</html>')],
    ['a 200 that is not a node', response(200, '[]')]
  ])('does not read again after %s', async (_, failed) => {
    const { graph, calls } = fakeGraph([failed])
    const read = await new PhoneNumberReader(graph, ID).read()
    expect(read.ok).toBe(false)
    expect(calls).toHaveLength(1)
    if (!read.ok) expect(read.failure.httpStatus).toBe(failed.status)
  })

  it('does not keep the body of a failed read in its result', async () => {
    const { graph } = fakeGraph([response(401, { error: { message: 'Bad', code: 190 } })])
    expect(Object.keys(await new PhoneNumberReader(graph, ID).read()).sort()).toEqual([
      'failure',
      'ok'
    ])
  })

  it('classifies a network failure', async () => {
    const { graph } = fakeGraph([new NetworkFailure('60 s', undefined, true, false)])
    expect(await new PhoneNumberReader(graph, ID).read()).toMatchObject({
      ok: false,
      failure: { kind: 'network', next: 'settle' }
    })
  })

  it('lets an unexpected error through', async () => {
    const { graph } = fakeGraph([new TypeError('boom')])
    await expect(new PhoneNumberReader(graph, ID).read()).rejects.toThrow(TypeError)
  })
})

describe('PhoneNumberReader.readWithRetries', () => {
  async function readWithRetries(steps: Step[], maxAttempts: number) {
    const { graph, calls } = fakeGraph(steps)
    const sleeps: number[] = []
    const logs: string[] = []
    const read = await new PhoneNumberReader(graph, ID).readWithRetries(maxAttempts, {
      timing: TIMING,
      now: () => 0,
      sleep: ms => {
        sleeps.push(ms)
        return Promise.resolve()
      },
      log: message => logs.push(message)
    })
    return { read, calls, sleeps, logs }
  }

  const PROXY_503 = response(503, '<html>busy</html>')

  it('retries a transient failure, then returns the state', async () => {
    const { read, calls, sleeps, logs } = await readWithRetries([PROXY_503, CORE_NODE], 3)
    expect(read.ok).toBe(true)
    expect(calls).toHaveLength(2)
    expect(sleeps).toEqual([500])
    expect(logs).toEqual([expect.stringMatching(/^Read attempt 2 of 3 in 0\.5 s/)])
  })

  it('retries a timed-out read (a read changes nothing)', async () => {
    const timeout = new NetworkFailure('60 s', undefined, true, false)
    const { read, calls } = await readWithRetries([timeout, CORE_NODE], 2)
    expect(read.ok).toBe(true)
    expect(calls).toHaveLength(2)
  })

  it('stops after maxAttempts reads', async () => {
    const { read, calls, sleeps } = await readWithRetries([PROXY_503, PROXY_503, PROXY_503], 3)
    expect(read).toMatchObject({ ok: false, failure: { httpStatus: 503 } })
    expect(calls).toHaveLength(3)
    expect(sleeps).toEqual([500, 1000])
  })

  it('does not retry a bad token', async () => {
    const { read, calls, sleeps } = await readWithRetries(
      [response(401, { error: { message: 'Invalid OAuth access token', code: 190 } })],
      3
    )
    expect(read).toMatchObject({ ok: false, failure: { code: 190 } })
    expect(calls).toHaveLength(1)
    expect(sleeps).toEqual([])
  })

  it('falls back to the core fields inside one attempt', async () => {
    const { read, calls, sleeps } = await readWithRetries([NONEXISTING_FIELD, CORE_NODE], 1)
    expect(read.ok).toBe(true)
    expect(calls).toHaveLength(2)
    expect(sleeps).toEqual([])
  })
})
