import type { IncomingHttpHeaders } from 'node:http'
import { describe, it, expect } from '@jest/globals'
import { response, TIMING } from '../__fixtures__/graph.js'
import { NetworkFailure, type GraphClient, type HttpExchange } from '../src/graph.js'
import type { Settings } from '../src/inputs.js'
import { CORE_FIELDS, EXTRA_FIELDS, PhoneNumberReader } from '../src/phone-number.js'
import { isSuccess } from '../src/errors.js'
import {
  proveRegistered,
  registerBody,
  registerWithRetries,
  type RegisterBody
} from '../src/registration.js'
import type { RetryTiming } from '../src/retry.js'

const PIN = '004217'
const BACKUP = { data: 'YmFja3VwLWRhdGE=\r\nbGluZS10d28=', password: 'backup-Pw-8812' }

const SETTINGS: Settings = {
  accessToken: 'EAAGm0PX4ZCpsBAKZAB1rT2xQv9Lw7',
  phoneNumberId: '1234567890123456',
  pin: PIN,
  apiVersion: 'v26.0',
  graphApiUrl: 'http://127.0.0.1:1',
  timeoutMs: 60_000,
  retries: 2,
  settleMs: 0,
  preflight: true,
  skipIfRegistered: true,
  dryRun: false
}

const SUCCESS = response(200, { success: true })
const graphError = (
  status: number,
  error: Record<string, unknown>,
  headers?: IncomingHttpHeaders
) =>
  response(status, { error: { message: 'Simulated', type: 'OAuthException', ...error } }, headers)
const TRANSIENT = graphError(503, { code: 133004 })
const PROXY_502 = response(502, '<html>Bad Gateway</html>', { 'content-type': 'text/html' })
const TIMEOUT = new NetworkFailure('60 s', undefined, true, false)
const RESET = new NetworkFailure('ECONNRESET', 'ECONNRESET', false, false)
const REFUSED = new NetworkFailure('ECONNREFUSED', 'ECONNREFUSED', false, false)

const node = (platformType: string, status: string) =>
  response(200, { id: SETTINGS.phoneNumberId, platform_type: platformType, status })
const REGISTERED = node('CLOUD_API', 'CONNECTED')
const NOT_REGISTERED = node('ON_PREMISE', 'CONNECTED')

type Step = HttpExchange | NetworkFailure

interface Fake {
  graph: GraphClient
  registerCalls: { id: string; body: RegisterBody }[]
  readCalls: { id: string; fields: readonly string[] }[]
  /** Register and read calls in the order they were made. */
  order: ('register' | 'read')[]
}

/** A GraphClient that answers from scripts and fails the test on any call beyond them. */
function fakeGraph(registerSteps: Step[], readSteps: Step[] = []): Fake {
  const fake: Fake = {
    registerCalls: [],
    readCalls: [],
    order: [],
    graph: undefined as unknown as GraphClient
  }
  const next = (steps: Step[], what: string): Promise<HttpExchange> => {
    const step = steps.shift()
    if (step === undefined) return Promise.reject(new Error(`unexpected ${what} call`))
    return step instanceof NetworkFailure ? Promise.reject(step) : Promise.resolve(step)
  }
  fake.graph = {
    post: (path: string, body: RegisterBody) => {
      const id = path.replace(/\/register$/, '')
      fake.registerCalls.push({ id, body })
      fake.order.push('register')
      return next(registerSteps, 'register')
    },
    get: (id: string, query: { fields: string }) => {
      const fields = query.fields.split(',')
      fake.readCalls.push({ id, fields })
      fake.order.push('read')
      return next(readSteps, 'read')
    }
  } as unknown as GraphClient
  return fake
}

interface RunOptions {
  settings?: Partial<Settings>
  registeredBefore?: boolean
  timing?: RetryTiming
}

/** Runs registerWithRetries on a fake clock: sleeping moves it, nothing really waits. */
async function register(fake: Fake, options: RunOptions = {}) {
  const sleeps: number[] = []
  const logs: string[] = []
  let clock = 0
  const settings = { ...SETTINGS, ...options.settings }
  const outcome = await registerWithRetries({
    graph: fake.graph,
    numbers: new PhoneNumberReader(fake.graph, settings.phoneNumberId),
    settings,
    env: {
      timing: options.timing ?? TIMING,
      now: () => clock,
      sleep: ms => {
        sleeps.push(ms)
        clock += ms
        return Promise.resolve()
      },
      log: message => logs.push(message)
    },
    registeredBefore: options.registeredBefore ?? false
  })
  return { outcome, sleeps, logs }
}

describe('registerBody', () => {
  it('sends the PIN as a string and nothing else for a plain registration', () => {
    expect(registerBody(SETTINGS)).toEqual({ messaging_product: 'whatsapp', pin: PIN })
    expect(JSON.stringify(registerBody(SETTINGS))).toContain('"pin":"004217"')
  })

  it('adds the backup, and the region before v21.0', () => {
    expect(
      registerBody({
        ...SETTINGS,
        apiVersion: 'v20.0',
        backup: { ...BACKUP, source: 'backup-file' },
        dataLocalizationRegion: 'DE'
      })
    ).toEqual({
      messaging_product: 'whatsapp',
      pin: PIN,
      backup: BACKUP,
      data_localization_region: 'DE'
    })
  })

  it.each(['v21.0', 'v26.0', 'v100.0'])(
    'leaves the deprecated region out of the body on %s (set through the settings)',
    apiVersion => {
      expect(registerBody({ ...SETTINGS, apiVersion, dataLocalizationRegion: 'DE' })).toEqual({
        messaging_product: 'whatsapp',
        pin: PIN
      })
    }
  )
})

describe('isSuccess', () => {
  it.each<[string, boolean, HttpExchange]>([
    ['200 {"success":true}', true, response(200, { success: true })],
    ['200 {"success":"true"}', true, response(200, { success: 'true' })],
    ['201 {"success":true}', true, response(201, { success: true })],
    ['200 {"success":false}', false, response(200, { success: false })],
    ['200 {"success":"false"}', false, response(200, { success: 'false' })],
    ['200 {"success":"TRUE"}', false, response(200, { success: 'TRUE' })],
    ['200 {"success":1}', false, response(200, { success: 1 })],
    ['200 {}', false, response(200, {})],
    ['200 null', false, response(200, 'null')],
    ['200 true', false, response(200, 'true')],
    ['200 empty', false, response(200, '')],
    ['200 HTML', false, response(200, '<html>OK</html>')],
    ['400 {"success":true}', false, response(400, { success: true })],
    ['302 {"success":true}', false, response(302, { success: true })]
  ])('%s is success: %p', (_, expected, exchange) => {
    expect(isSuccess(exchange)).toBe(expected)
  })
})

describe('registerWithRetries: success and plain failures', () => {
  it('succeeds with one call', async () => {
    const fake = fakeGraph([SUCCESS])
    const { outcome, sleeps } = await register(fake, {
      settings: { backup: { ...BACKUP, source: 'backup-data' } }
    })
    expect(outcome).toEqual({ ok: true, attempts: 1, exchange: SUCCESS })
    expect(fake.registerCalls).toEqual([
      {
        id: SETTINGS.phoneNumberId,
        body: { messaging_product: 'whatsapp', pin: PIN, backup: BACKUP }
      }
    ])
    expect(fake.readCalls).toEqual([])
    expect(sleeps).toEqual([])
  })

  it('takes {"success":"true"} as success', async () => {
    const ok = response(200, { success: 'true' })
    const { outcome } = await register(fakeGraph([ok]))
    expect(outcome).toMatchObject({ ok: true, attempts: 1 })
  })

  it('retries a transient failure after the backoff, then succeeds', async () => {
    const fake = fakeGraph([TRANSIENT, SUCCESS])
    const { outcome, sleeps } = await register(fake)
    expect(outcome).toMatchObject({ ok: true, attempts: 2, exchange: SUCCESS })
    expect(fake.registerCalls).toHaveLength(2)
    expect(fake.readCalls).toHaveLength(0)
    expect(sleeps).toEqual([500])
  })

  it('retries a connection refused before sending, without reading the number', async () => {
    const fake = fakeGraph([REFUSED, SUCCESS])
    const { outcome } = await register(fake)
    expect(outcome).toMatchObject({ ok: true, attempts: 2 })
    expect(fake.order).toEqual(['register', 'register'])
  })

  it('waits as Retry-After asks', async () => {
    const fake = fakeGraph([graphError(503, { code: 133004 }, { 'retry-after': '7' }), SUCCESS])
    const { sleeps } = await register(fake)
    expect(sleeps).toEqual([7000])
  })

  it('stops when Retry-After asks for more than the cap', async () => {
    const fake = fakeGraph([graphError(503, { code: 133004 }, { 'retry-after': '61' })])
    const { outcome, sleeps } = await register(fake)
    expect(outcome).toMatchObject({ ok: false, attempts: 1 })
    expect(sleeps).toEqual([])
  })

  it.each<[string, HttpExchange]>([
    ['PIN mismatch 133005', graphError(400, { code: 133005 })],
    ['133005 as a subcode of 100', graphError(400, { code: 100, error_subcode: 133005 })],
    ['register rate limit 133016', graphError(400, { code: 133016, is_transient: true })],
    ['throttling code 4 marked transient', graphError(429, { code: 4, is_transient: true })],
    ['80007 marked transient', graphError(400, { code: 80007, is_transient: true })],
    ['bad token 190', graphError(401, { code: 190 })],
    ['invalid parameter 100', graphError(400, { code: 100 })],
    ['unknown id 100/33', graphError(400, { code: 100, error_subcode: 33 })],
    ['133000 with HTTP 500', graphError(500, { code: 133000 })],
    ['131045 with HTTP 500', graphError(500, { code: 131045 })],
    ['429 without a Graph error', response(429, 'Too Many Requests')],
    ['a redirect', response(307, '', { location: 'https://elsewhere.example/' })]
  ])('makes exactly one call for %s', async (_, failed) => {
    const fake = fakeGraph([failed])
    const { outcome, sleeps } = await register(fake, { settings: { retries: 10 } })
    expect(outcome).toMatchObject({ ok: false, attempts: 1, exchange: failed })
    expect(fake.registerCalls).toHaveLength(1)
    expect(fake.readCalls).toHaveLength(0)
    expect(sleeps).toEqual([])
  })

  it('makes exactly one call after a TLS failure', async () => {
    const fake = fakeGraph([
      new NetworkFailure('CERT_HAS_EXPIRED', 'CERT_HAS_EXPIRED', false, true)
    ])
    const { outcome } = await register(fake)
    expect(outcome).toMatchObject({ ok: false, attempts: 1 })
    expect(fake.registerCalls).toHaveLength(1)
  })

  it.each([0, 1, 2, 10])('makes at most 1 + %i calls', async retries => {
    const fake = fakeGraph(Array.from({ length: 12 }, () => TRANSIENT))
    const { outcome, sleeps } = await register(fake, { settings: { retries } })
    expect(outcome).toMatchObject({ ok: false, attempts: 1 + retries })
    expect(fake.registerCalls).toHaveLength(1 + retries)
    expect(sleeps).toHaveLength(retries)
    if (!outcome.ok)
      expect(outcome.reason).toBe(`no attempts left (${1 + retries} of ${1 + retries} made)`)
  })

  it('backs off exponentially between attempts', async () => {
    const fake = fakeGraph(Array.from({ length: 4 }, () => TRANSIENT))
    const { sleeps } = await register(fake, { settings: { retries: 3 } })
    expect(sleeps).toEqual([500, 1000, 2000])
  })

  it('lets an unexpected error through', async () => {
    const graph = {
      post: () => Promise.reject(new TypeError('boom')),
      get: () => Promise.reject(new Error('unexpected read'))
    } as unknown as GraphClient
    await expect(register({ graph } as Fake)).rejects.toThrow(TypeError)
  })

  it('never logs the PIN or the backup', async () => {
    const fake = fakeGraph(
      [TRANSIENT, PROXY_502, graphError(400, { code: 133005 })],
      [NOT_REGISTERED]
    )
    const { logs } = await register(fake, {
      settings: { backup: { ...BACKUP, source: 'backup-data' } }
    })
    expect(logs.length).toBeGreaterThanOrEqual(3)
    for (const line of logs) {
      for (const secret of [
        PIN,
        BACKUP.password,
        'YmFja3VwLWRhdGE=',
        'bGluZS10d28=',
        SETTINGS.accessToken
      ])
        expect(line).not.toContain(secret)
    }
  })
})

describe('registerWithRetries: uncertain outcomes', () => {
  const uncertain: [string, Step][] = [
    ['a timeout', TIMEOUT],
    ['a connection reset after sending', RESET],
    ['an HTML 502 from a proxy', PROXY_502],
    ['an empty 503', response(503, '')],
    ['Graph code 2', graphError(500, { code: 2, is_transient: true })],
    ['Graph code 1', graphError(500, { code: 1 })],
    ['Graph code 131000', graphError(500, { code: 131000 })]
  ]

  it.each(uncertain)(
    'after %s, a registered number means success: no further call',
    async (_, failed) => {
      const fake = fakeGraph([failed], [REGISTERED])
      const { outcome, sleeps } = await register(fake)
      expect(outcome).toEqual({
        ok: true,
        attempts: 1,
        confirmedState: {
          id: SETTINGS.phoneNumberId,
          platformType: 'CLOUD_API',
          status: 'CONNECTED'
        }
      })
      expect(fake.order).toEqual(['register', 'read'])
      expect(fake.readCalls[0]).toEqual({
        id: SETTINGS.phoneNumberId,
        fields: [...CORE_FIELDS, ...EXTRA_FIELDS]
      })
      expect(sleeps).toEqual([])
    }
  )

  it.each(uncertain)('after %s, a number not registered is retried', async (_, failed) => {
    const fake = fakeGraph([failed, SUCCESS], [NOT_REGISTERED])
    const { outcome, sleeps } = await register(fake)
    expect(outcome).toMatchObject({ ok: true, attempts: 2, exchange: SUCCESS })
    expect(fake.order).toEqual(['register', 'read', 'register'])
    expect(sleeps).toEqual([500])
  })

  it.each<[string, Step]>([
    ['a Graph error', graphError(401, { code: 190 })],
    ['a timeout', TIMEOUT],
    ['an HTML 503', response(503, '<html></html>')]
  ])('ends uncertain, never retried, when the read fails with %s', async (_, readFailed) => {
    const fake = fakeGraph([TIMEOUT], [readFailed])
    const { outcome, sleeps } = await register(fake, { settings: { retries: 10 } })
    expect(outcome).toMatchObject({
      ok: false,
      attempts: 1,
      failure: { kind: 'network', next: 'settle' },
      uncertain: true,
      reason: expect.stringMatching(/^the number could not be read: /)
    })
    expect(fake.order).toEqual(['register', 'read'])
    expect(sleeps).toEqual([])
  })

  it('keeps the failed response when the read fails', async () => {
    const fake = fakeGraph([PROXY_502], [graphError(401, { code: 190 })])
    const { outcome } = await register(fake)
    expect(outcome).toMatchObject({ ok: false, exchange: PROXY_502, uncertain: true })
  })

  it('neither confirms nor retries when the number was registered before the call', async () => {
    const fake = fakeGraph([TIMEOUT], [REGISTERED])
    const { outcome } = await register(fake, { registeredBefore: true })
    expect(outcome).toMatchObject({ ok: false, attempts: 1, uncertain: true })
    expect(fake.order).toEqual(['register', 'read'])
  })

  it('stops settling at once when the number, registered before, still is: no read can tell', async () => {
    const fake = fakeGraph([TIMEOUT], [REGISTERED, REGISTERED, REGISTERED])
    const { outcome, sleeps } = await register(fake, {
      registeredBefore: true,
      settings: { settleMs: 30_000 }
    })
    expect(outcome).toMatchObject({ ok: false, attempts: 1, uncertain: true })
    expect(fake.order).toEqual(['register', 'read'])
    expect(sleeps).toEqual([])
  })

  it('reads before each retry and fails with what it saw when attempts run out', async () => {
    const fake = fakeGraph([PROXY_502, PROXY_502], [NOT_REGISTERED, node('CLOUD_API', 'PENDING')])
    const { outcome } = await register(fake, { settings: { retries: 1 } })
    expect(fake.order).toEqual(['register', 'read', 'register', 'read'])
    expect(outcome).toMatchObject({
      ok: false,
      attempts: 2,
      observedState: { platformType: 'CLOUD_API', status: 'PENDING' },
      reason: 'no attempts left (2 of 2 made)'
    })
  })

  it('settles a 200 that is not a success like any uncertain answer, then retries', async () => {
    const fake = fakeGraph([response(200, { success: false }), SUCCESS], [NOT_REGISTERED])
    const { outcome } = await register(fake)
    expect(fake.order).toEqual(['register', 'read', 'register'])
    expect(outcome).toMatchObject({ ok: true, attempts: 2 })
  })

  it('takes a 200 that is not a success as success when the read shows the number registered', async () => {
    const fake = fakeGraph([response(200, 'OK')], [REGISTERED])
    const { outcome } = await register(fake)
    expect(outcome).toMatchObject({ ok: true, attempts: 1 })
  })
})

describe('registerWithRetries: the settle window', () => {
  it('keeps reading until the number turns registered, with one register call', async () => {
    const fake = fakeGraph(
      [PROXY_502],
      [NOT_REGISTERED, NOT_REGISTERED, NOT_REGISTERED, REGISTERED]
    )
    const { outcome, sleeps } = await register(fake, { settings: { settleMs: 30_000 } })
    expect(outcome).toMatchObject({
      ok: true,
      attempts: 1,
      confirmedState: { status: 'CONNECTED' }
    })
    expect(fake.order).toEqual(['register', 'read', 'read', 'read', 'read'])
    expect(sleeps).toEqual([3000, 3000, 3000])
  })

  it('retries only once the window has passed and a read then shows it did not happen', async () => {
    const reads = Array.from({ length: 20 }, () => NOT_REGISTERED)
    const fake = fakeGraph([PROXY_502, SUCCESS], reads)
    const { outcome, sleeps } = await register(fake, { settings: { settleMs: 10_000 } })
    expect(outcome).toMatchObject({ ok: true, attempts: 2 })
    const readsBeforeRetry = fake.order.indexOf('register', 1) - 1
    expect(readsBeforeRetry).toBe(11)
    // Ten reads a second apart fill the window; then the backoff before the retry.
    expect(sleeps.slice(0, 10).reduce((a, b) => a + b, 0)).toBe(10_000)
  })

  it.each<[string, HttpExchange]>([
    ['no platform or status', response(200, { id: SETTINGS.phoneNumberId, verified_name: 'A' })],
    ['another id', response(200, { id: '999', platform_type: 'ON_PREMISE', status: 'CONNECTED' })]
  ])('takes a read with %s as no proof: uncertain, not retried', async (_, read) => {
    const fake = fakeGraph([TIMEOUT], [read, read, read])
    const { outcome } = await register(fake, { settings: { settleMs: 1000 } })
    expect(outcome).toMatchObject({ ok: false, attempts: 1, uncertain: true })
    expect(fake.registerCalls).toHaveLength(1)
  })
})

describe('proveRegistered', () => {
  const ID = SETTINGS.phoneNumberId
  it.each<[string, Parameters<typeof proveRegistered>[0], boolean, string]>([
    ['registered', { id: ID, platformType: 'CLOUD_API', status: 'CONNECTED' }, false, 'happened'],
    [
      'not registered',
      { id: ID, platformType: 'ON_PREMISE', status: 'CONNECTED' },
      false,
      'not-happened'
    ],
    [
      'pending on Cloud API',
      { id: ID, platformType: 'CLOUD_API', status: 'PENDING' },
      false,
      'not-happened'
    ],
    [
      'registered before the call',
      { id: ID, platformType: 'CLOUD_API', status: 'CONNECTED' },
      true,
      'nothing'
    ],
    ['no status', { id: ID, platformType: 'CLOUD_API' }, false, 'nothing'],
    ['no platform', { id: ID, status: 'CONNECTED' }, false, 'nothing'],
    ['another id', { id: '1', platformType: 'CLOUD_API', status: 'CONNECTED' }, false, 'nothing']
  ])('%s proves %s', (_, state, before, proved) => {
    expect(proveRegistered(state, ID, before).proved).toBe(proved)
  })
})
