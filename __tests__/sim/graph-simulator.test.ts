import { afterEach, describe, expect, it, jest } from '@jest/globals'
import {
  DEFAULT_APP,
  GraphSimulator,
  REGISTER_WINDOW_MS,
  type GraphSimulatorOptions,
  type SimNumber
} from '../../sim/graph-simulator.js'

const TOKEN = 'tok-9f3c1a77e0'
const HOUR = 60 * 60 * 1000

const onPremise: SimNumber = {
  id: '1000001',
  displayPhoneNumber: '+1 555-0100',
  verifiedName: 'Jasper Market',
  platformType: 'ON_PREMISE',
  status: 'CONNECTED',
  pin: '004217'
}

let sim: GraphSimulator | undefined
let base = ''

async function startSim(options: Partial<GraphSimulatorOptions> = {}): Promise<GraphSimulator> {
  sim = new GraphSimulator({ numbers: [onPremise], tokens: [TOKEN], ...options })
  base = await sim.start()
  return sim
}

afterEach(async () => {
  await sim?.stop()
  sim = undefined
})

interface CallOptions {
  token?: string | null
  body?: unknown
  method?: string
}

async function call(path: string, options: CallOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  const token = options.token === undefined ? TOKEN : options.token
  if (token !== null) headers.authorization = `Bearer ${token}`
  return fetch(base + path, {
    method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
    headers,
    body:
      options.body === undefined
        ? undefined
        : typeof options.body === 'string'
          ? options.body
          : JSON.stringify(options.body),
    redirect: 'manual'
  })
}

const register = (pin: string, extra: Record<string, unknown> = {}, id = onPremise.id) =>
  call(`/v23.0/${id}/register`, { body: { messaging_product: 'whatsapp', pin, ...extra } })

interface GraphErrorBody {
  error: {
    message: string
    type: string
    code: number
    error_subcode?: number
    error_user_title?: string
    error_data?: { messaging_product: string; details: string }
    is_transient?: boolean
    fbtrace_id: string
  }
}

async function graphError(response: Response): Promise<GraphErrorBody['error']> {
  const body = (await response.json()) as GraphErrorBody
  expect(body.error.fbtrace_id).toBe(response.headers.get('x-fb-trace-id'))
  return body.error
}

/** Observes a request without leaving a rejection unhandled while the test does other things. */
function outcome(request: Promise<Response>): Promise<'answered' | 'failed'> {
  return request.then(
    () => 'answered',
    () => 'failed'
  )
}

/** Waits until the simulator has recorded `count` requests (the request has fully arrived). */
async function requestsArrived(count: number): Promise<void> {
  while ((sim?.requests.length ?? 0) < count) await new Promise(r => setTimeout(r, 5))
}

describe('headers', () => {
  it('sends a JSON content type and a trace id on every response, and the version warning', async () => {
    await startSim({ versionWarning: 'v23.0 will be auto-upgraded' })
    const responses = [
      await call(`/v23.0/${onPremise.id}?fields=status`),
      await call(`/v23.0/${onPremise.id}?fields=status`, { token: null }),
      await call('/latest/1000001')
    ]
    const traceIds = new Set<string>()
    for (const response of responses) {
      expect(response.headers.get('content-type')).toBe('application/json; charset=UTF-8')
      expect(response.headers.get('x-ad-api-version-warning')).toBe('v23.0 will be auto-upgraded')
      const traceId = response.headers.get('x-fb-trace-id') ?? ''
      expect(traceId).toMatch(/^[A-Za-z0-9_-]{23}$/)
      traceIds.add(traceId)
    }
    expect(traceIds.size).toBe(3)
  })

  it('sends no version warning when none is configured', async () => {
    await startSim()
    const response = await call(`/v23.0/${onPremise.id}`)
    expect(response.headers.has('x-ad-api-version-warning')).toBe(false)
  })
})

describe('routes and auth', () => {
  it.each([
    ['a version without the v', 'GET', '/23.0/1000001'],
    ['a GET of register', 'GET', '/v23.0/1000001/register'],
    ['a POST to the number itself', 'POST', '/v23.0/1000001'],
    ['a deeper path', 'GET', '/v23.0/1000001/messages']
  ])('answers %s with code 100 as route other', async (_, method, path) => {
    await startSim()
    const response = await call(path, { method, body: method === 'POST' ? '{}' : undefined })
    expect(response.status).toBe(400)
    const error = await graphError(response)
    expect(error.code).toBe(100)
    expect(error.message).toMatch(/^Unsupported /)
    expect(sim?.requests[0].route).toBe('other')
  })

  it.each([
    ['no token', null],
    ['an unknown token', 'not-a-token']
  ])(
    'answers %s with 401 and code 190, on both routes, without touching the number',
    async (_, token) => {
      await startSim()
      const read = await call(`/v23.0/${onPremise.id}?fields=status`, { token })
      const post = await call(`/v23.0/${onPremise.id}/register`, {
        token,
        body: { messaging_product: 'whatsapp', pin: onPremise.pin }
      })
      for (const response of [read, post]) {
        expect(response.status).toBe(401)
        const error = await graphError(response)
        expect(error).toMatchObject({
          message: 'Invalid OAuth access token - Cannot parse access token',
          type: 'OAuthException',
          code: 190
        })
        expect(error.error_subcode).toBeUndefined()
      }
      expect(sim?.number(onPremise.id).platformType).toBe('ON_PREMISE')
      // Budget is untouched: ten valid calls still go through.
      for (let i = 0; i < 10; i++) expect((await register(onPremise.pin ?? '')).status).toBe(200)
    }
  )

  it('answers an unknown id with code 100 and subcode 33, naming the id and the verb', async () => {
    await startSim()
    const read = await graphError(await call('/v23.0/999?fields=status'))
    expect(read).toMatchObject({ type: 'GraphMethodException', code: 100, error_subcode: 33 })
    expect(read.message).toMatch(/^Unsupported get request\. Object with ID '999' does not exist/)
    const post = await register('123456', {}, '999')
    expect(post.status).toBe(400)
    expect((await graphError(post)).message).toMatch(
      /^Unsupported post request\. Object with ID '999'/
    )
  })
})

describe('read', () => {
  it('returns the id and each requested field, with defaults for the optional ones', async () => {
    await startSim({
      numbers: [{ ...onPremise, nameStatus: 'PENDING_REVIEW', throughputLevel: 'HIGH' }]
    })
    const fields =
      'display_phone_number,verified_name,platform_type,status,code_verification_status,' +
      'name_status,quality_rating,is_on_biz_app,throughput,account_mode'
    const response = await call(`/v23.0/${onPremise.id}?fields=${fields}`)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({
      id: onPremise.id,
      display_phone_number: '+1 555-0100',
      verified_name: 'Jasper Market',
      platform_type: 'ON_PREMISE',
      status: 'CONNECTED',
      code_verification_status: 'VERIFIED',
      name_status: 'PENDING_REVIEW',
      quality_rating: 'GREEN',
      is_on_biz_app: false,
      throughput: { level: 'HIGH' },
      account_mode: 'LIVE'
    })
  })

  it('returns only the default fields when none are asked for', async () => {
    await startSim()
    expect(await (await call(`/v23.0/${onPremise.id}`)).json()).toEqual({
      id: onPremise.id,
      display_phone_number: '+1 555-0100',
      verified_name: 'Jasper Market',
      quality_rating: 'GREEN'
    })
  })

  it('records the query and route of a read', async () => {
    await startSim()
    await call(`/v23.0/${onPremise.id}?fields=status,platform_type`)
    expect(sim?.requests[0]).toMatchObject({
      method: 'GET',
      path: `/v23.0/${onPremise.id}`,
      query: { fields: 'status,platform_type' },
      route: 'read',
      numberId: onPremise.id,
      json: undefined
    })
  })

  it.each([
    ['a field it does not know', {}, 'status,colour'],
    ['a field configured as unknown', { unknownFields: ['is_on_biz_app'] }, 'status,is_on_biz_app']
  ])('rejects %s with code 100', async (_, options, fields) => {
    await startSim(options)
    const response = await call(`/v23.0/${onPremise.id}?fields=${fields}`)
    expect(response.status).toBe(400)
    const field = fields.split(',')[1]
    expect(await graphError(response)).toMatchObject({
      code: 100,
      message: `(#100) Tried accessing nonexisting field (${field}) on node type (WhatsAppBusinessPhoneNumber)`
    })
  })
})

describe('register', () => {
  it.each([
    ['boolean', undefined, true],
    ['string', 'string' as const, 'true']
  ])(
    'succeeds with the %s success shape and moves the number to CLOUD_API',
    async (_, shape, success) => {
      await startSim({ successShape: shape })
      const response = await register('004217')
      expect(response.status).toBe(200)
      expect(await response.json()).toEqual({ success })
      expect(sim?.number(onPremise.id)).toMatchObject({
        platformType: 'CLOUD_API',
        status: 'CONNECTED'
      })
      const read = await call(`/v23.0/${onPremise.id}?fields=platform_type,status`)
      expect(await read.json()).toMatchObject({ platform_type: 'CLOUD_API', status: 'CONNECTED' })
    }
  )

  it('records the raw and parsed body of a register call', async () => {
    await startSim()
    await register('004217')
    const [recorded] = sim?.registerCalls(onPremise.id) ?? []
    expect(recorded.json).toEqual({ messaging_product: 'whatsapp', pin: '004217' })
    expect(recorded.body).toBe('{"messaging_product":"whatsapp","pin":"004217"}')
    expect(recorded.headers.authorization).toBe(`Bearer ${TOKEN}`)
    expect(sim?.registerCalls('1')).toEqual([])
  })

  it('does not change the caller’s number objects', async () => {
    const number = { ...onPremise }
    await startSim({ numbers: [number] })
    await register('004217')
    expect(number.platformType).toBe('ON_PREMISE')
  })

  it('rejects a wrong PIN with 133005 and leaves the number as it was', async () => {
    await startSim()
    const response = await register('004218')
    expect(response.status).toBe(400)
    expect(await graphError(response)).toMatchObject({
      code: 133005,
      type: 'OAuthException',
      message: 'Two step verification PIN Mismatch',
      error_user_title: 'Two step verification PIN Mismatch',
      error_data: { messaging_product: 'whatsapp', details: expect.any(String) }
    })
    expect(sim?.number(onPremise.id)).toMatchObject({ platformType: 'ON_PREMISE', pin: '004217' })
  })

  it('accepts any PIN when none was set, and that PIN then sticks', async () => {
    await startSim({ numbers: [{ ...onPremise, pin: null }] })
    expect((await register('555111')).status).toBe(200)
    expect(sim?.number(onPremise.id).pin).toBe('555111')
    expect((await graphError(await register('555112'))).code).toBe(133005)
    expect((await register('555111')).status).toBe(200)
  })

  it.each([
    ['no body', undefined, 'The parameter messaging_product is required'],
    ['a body that is not JSON', 'pin=123456', 'The parameter messaging_product is required'],
    [
      'another messaging product',
      { messaging_product: 'WhatsApp', pin: '004217' },
      'messaging_product'
    ],
    ['no PIN', { messaging_product: 'whatsapp' }, 'The parameter pin is required'],
    ['a numeric PIN', { messaging_product: 'whatsapp', pin: 4217 }, 'must be a string'],
    ['a 5-digit PIN', { messaging_product: 'whatsapp', pin: '04217' }, 'must be 6 digits'],
    ['a 7-digit PIN', { messaging_product: 'whatsapp', pin: '0042170' }, 'must be 6 digits'],
    [
      'a backup without password',
      { messaging_product: 'whatsapp', pin: '004217', backup: { data: 'abc' } },
      'backup[password]'
    ],
    [
      'a backup with numeric data',
      { messaging_product: 'whatsapp', pin: '004217', backup: { data: 1, password: 'p' } },
      'backup[data]'
    ],
    [
      'a region outside the enum',
      { messaging_product: 'whatsapp', pin: '004217', data_localization_region: 'US' },
      'data_localization_region'
    ]
  ])('rejects %s with code 100 and leaves the number alone', async (_, body, message) => {
    await startSim()
    const response = await call(`/v23.0/${onPremise.id}/register`, {
      method: 'POST',
      body: body ?? ''
    })
    expect(response.status).toBe(400)
    const error = await graphError(response)
    expect(error.code).toBe(100)
    expect(error.message).toContain(message)
    expect(sim?.number(onPremise.id).platformType).toBe('ON_PREMISE')
  })

  it('accepts a region from the enum', async () => {
    await startSim()
    expect((await register('004217', { data_localization_region: 'DE' })).status).toBe(200)
  })

  it('refuses a number that is on the WhatsApp Business app', async () => {
    await startSim({ numbers: [{ ...onPremise, isOnBizApp: true }] })
    const error = await graphError(await register('004217'))
    expect(error).toMatchObject({
      code: 100,
      message: 'Register endpoint is not available for SMB businesses'
    })
    expect(sim?.number(onPremise.id).platformType).toBe('ON_PREMISE')
  })

  describe('migration with a backup', () => {
    const backup = { data: 'line one\r\nline two\n', password: 'pw-31337' }

    it.each([
      ['no backup', {}],
      ['other data', { backup: { ...backup, data: 'line one\nline two\n' } }],
      ['another password', { backup: { ...backup, password: 'pw-31338' } }]
    ])('fails with %s and leaves the number on ON_PREMISE', async (_, extra) => {
      await startSim({ numbers: [{ ...onPremise, backup }] })
      const error = await graphError(await register('004217', extra))
      expect(error.code).toBe(100)
      expect(error.message).toMatch(/backup/)
      expect(sim?.number(onPremise.id)).toMatchObject({ platformType: 'ON_PREMISE', backup })
    })

    it('succeeds with the exact backup, which is then consumed', async () => {
      await startSim({ numbers: [{ ...onPremise, backup }] })
      expect((await register('004217', { backup })).status).toBe(200)
      expect(sim?.number(onPremise.id).backup).toBeUndefined()
      expect((await register('004217')).status).toBe(200)
    })
  })

  describe('10 calls per number in a 72-hour moving window', () => {
    it('refuses the 11th call with 133016 until the oldest call leaves the window', async () => {
      let now = 1_000_000
      await startSim({ now: () => now })
      const statuses: number[] = []
      // Failing calls spend the budget too: every one that reaches the number counts.
      for (let i = 0; i < 10; i++) {
        statuses.push((await register(i % 2 === 0 ? '004217' : '111111')).status)
        now += HOUR
      }
      expect(statuses).toEqual([200, 400, 200, 400, 200, 400, 200, 400, 200, 400])

      const refused = await register('004217')
      expect(refused.status).toBe(400)
      expect(await graphError(refused)).toMatchObject({
        code: 133016,
        type: 'OAuthException',
        message: 'Rate limit exceeded: too many register/deregister attempts'
      })

      // The first call was at 1_000_000: one millisecond before it leaves the window, still refused.
      now = 1_000_000 + REGISTER_WINDOW_MS - 1
      expect((await graphError(await register('004217'))).code).toBe(133016)
      now += 1
      expect((await register('004217')).status).toBe(200)
      expect((await graphError(await register('004217'))).code).toBe(133016)
    })

    it('keeps a separate budget per number', async () => {
      const other = { ...onPremise, id: '1000002' }
      await startSim({ numbers: [onPremise, other] })
      for (let i = 0; i < 10; i++) await register('004217')
      expect((await graphError(await register('004217'))).code).toBe(133016)
      expect((await register('004217', {}, other.id)).status).toBe(200)
    })
  })
})

describe('faults', () => {
  it('consumes scripted faults in order, per route, then behaves normally', async () => {
    await startSim()
    sim?.script('register', [
      { kind: 'graph-error', status: 503, code: 133004, isTransient: true },
      { kind: 'graph-error', status: 500, code: 2 }
    ])
    const read = await call(`/v23.0/${onPremise.id}?fields=status`)
    expect(read.status).toBe(200)
    expect((await register('004217')).status).toBe(503)
    expect((await register('004217')).status).toBe(500)
    expect((await register('004217')).status).toBe(200)
  })

  it('a fault scripted for one method is left for a request with that method', async () => {
    await startSim()
    sim?.script('read', [{ kind: 'graph-error', status: 500, code: 2 }], { method: 'POST' })
    sim?.script('read', [{ kind: 'graph-error', status: 503, code: 133004 }], { method: 'GET' })
    expect((await call(`/v23.0/${onPremise.id}`)).status).toBe(503)
    expect((await call(`/v23.0/${onPremise.id}`)).status).toBe(200)
  })

  it('respond: sends the canned status, body and headers, and changes nothing', async () => {
    await startSim()
    sim?.script('register', [
      {
        kind: 'respond',
        status: 502,
        body: '<html><body>Bad Gateway</body></html>',
        headers: { 'Content-Type': 'text/html' }
      },
      { kind: 'respond', status: 307, body: '', headers: { location: 'http://127.0.0.2/steal' } }
    ])
    const html = await register('004217')
    expect(html.status).toBe(502)
    expect(html.headers.get('content-type')).toBe('text/html')
    expect(html.headers.get('x-fb-trace-id')).toBeTruthy()
    expect(await html.text()).toBe('<html><body>Bad Gateway</body></html>')
    const redirect = await register('004217')
    expect(redirect.status).toBe(307)
    expect(redirect.headers.get('location')).toBe('http://127.0.0.2/steal')
    expect(sim?.number(onPremise.id).platformType).toBe('ON_PREMISE')
  })

  it('graph-error: sends a real-shaped error with subcode, details and headers', async () => {
    await startSim()
    sim?.script('read', [
      {
        kind: 'graph-error',
        status: 503,
        code: 100,
        subcode: 133004,
        message: 'Server temporarily unavailable',
        isTransient: true,
        details: 'Try again in 30 seconds',
        headers: { 'retry-after': '30' }
      }
    ])
    const response = await call(`/v23.0/${onPremise.id}?fields=status`)
    expect(response.status).toBe(503)
    expect(response.headers.get('retry-after')).toBe('30')
    expect(await graphError(response)).toEqual({
      message: 'Server temporarily unavailable',
      type: 'OAuthException',
      code: 100,
      error_subcode: 133004,
      is_transient: true,
      error_data: { messaging_product: 'whatsapp', details: 'Try again in 30 seconds' },
      fbtrace_id: response.headers.get('x-fb-trace-id')
    })
  })

  it('hang: never answers, and stop() closes the hanging connection', async () => {
    await startSim()
    sim?.script('register', [{ kind: 'hang' }])
    const pending = outcome(register('004217'))
    await requestsArrived(1)
    await sim?.stop()
    expect(await pending).toBe('failed')
    expect(sim?.number(onPremise.id).platformType).toBe('ON_PREMISE')
  })

  it('process-then-hang: registers the number but never answers', async () => {
    await startSim()
    sim?.script('register', [{ kind: 'process-then-hang' }])
    const pending = outcome(register('004217'))
    await requestsArrived(1)
    expect(sim?.number(onPremise.id).platformType).toBe('CLOUD_API')
    await sim?.stop()
    expect(await pending).toBe('failed')
  })

  it('delay: answers normally after the wait', async () => {
    await startSim()
    sim?.script('register', [{ kind: 'delay', ms: 20 }])
    const response = await register('004217')
    expect(await response.json()).toEqual({ success: true })
    expect(sim?.number(onPremise.id).platformType).toBe('CLOUD_API')
  })

  it('delay: a pending delay does not keep the server from stopping', async () => {
    await startSim()
    sim?.script('register', [{ kind: 'delay', ms: 600_000 }])
    const pending = outcome(register('004217'))
    await requestsArrived(1)
    await sim?.stop()
    expect(await pending).toBe('failed')
    expect(sim?.number(onPremise.id).platformType).toBe('ON_PREMISE')
  })

  it.each([
    ['reset-before', 'ON_PREMISE'],
    ['reset-after', 'CLOUD_API']
  ] as const)('%s: resets the connection; the number ends on %s', async (kind, platform) => {
    await startSim()
    sim?.script('register', [{ kind }])
    await expect(register('004217')).rejects.toThrow()
    expect(sim?.registerCalls()).toHaveLength(1)
    expect(sim?.number(onPremise.id).platformType).toBe(platform)
  })

  it('trickle: sends the headers, then the body in several pieces', async () => {
    await startSim()
    const body = '{"error":{"message":"slow","type":"OAuthException","code":1}}'
    sim?.script('read', [{ kind: 'trickle', status: 500, body, bytesPerChunk: 16, intervalMs: 25 }])
    const response = await call(`/v23.0/${onPremise.id}`)
    expect(response.status).toBe(500)
    expect(response.headers.get('content-length')).toBe(String(body.length))
    const reader = response.body?.getReader()
    const pieces: string[] = []
    const decoder = new TextDecoder()
    for (;;) {
      const chunk = await reader?.read()
      if (!chunk || chunk.done) break
      pieces.push(decoder.decode(chunk.value as Uint8Array))
    }
    expect(pieces.join('')).toBe(body)
    expect(pieces.length).toBeGreaterThan(1)
  })

  it('huge: sends a valid Graph error body of exactly the given size', async () => {
    await startSim()
    const bytes = 5 * 1024 * 1024
    sim?.script('register', [{ kind: 'huge', status: 500, bytes }])
    const response = await register('004217')
    expect(response.status).toBe(500)
    const text = await response.text()
    expect(text).toHaveLength(bytes)
    expect((JSON.parse(text) as GraphErrorBody).error.code).toBe(1)
    expect(sim?.number(onPremise.id).platformType).toBe('ON_PREMISE')
  })
})

/** Polls `check` every 5 ms until it holds or `ms` pass; resolves whether it held. */
async function eventually(check: () => boolean, ms = 2000): Promise<boolean> {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) return false
    await new Promise(r => setTimeout(r, 5))
  }
  return true
}

describe('slow backend behind a gateway', () => {
  const platform = (): string | undefined => sim?.number(onPremise.id).platformType

  it('the gateway answers 504 first; the number turns CLOUD_API only when the backend finishes', async () => {
    await startSim({
      numbers: [{ ...onPremise, slowRegister: { backendMs: 300, gatewayMs: 20 } }]
    })
    const response = await register('004217')
    expect(response.status).toBe(504)
    expect(response.headers.get('content-type')).toBe('text/html')
    expect(response.headers.get('x-fb-trace-id')).toBeTruthy()
    expect(await response.text()).toContain('<title>504 Gateway Time-out</title>')
    const read = await call(`/v23.0/${onPremise.id}?fields=platform_type,status`)
    expect(await read.json()).toMatchObject({ platform_type: 'ON_PREMISE' })

    const arrived = sim?.registerCalls()[0].receivedAt ?? 0
    expect(await eventually(() => platform() === 'CLOUD_API')).toBe(true)
    // setTimeout may fire a millisecond early by the wall clock, never more.
    expect(Date.now() - arrived).toBeGreaterThanOrEqual(298)
    expect(sim?.number(onPremise.id)).toMatchObject({ status: 'CONNECTED', pin: '004217' })
  })

  it('sends the configured gateway status and body, such as a 502', async () => {
    await startSim({
      numbers: [
        {
          ...onPremise,
          slowRegister: {
            backendMs: 50,
            gatewayMs: 10,
            gatewayStatus: 502,
            gatewayBody: 'upstream'
          }
        }
      ]
    })
    const response = await register('004217')
    expect(response.status).toBe(502)
    expect(await response.text()).toBe('upstream')
    expect(await eventually(() => platform() === 'CLOUD_API')).toBe(true)
  })

  it('without a gateway, the backend’s own answer comes when it finishes', async () => {
    await startSim({ numbers: [{ ...onPremise, slowRegister: { backendMs: 60 } }] })
    const started = Date.now()
    const response = await register('004217')
    expect(Date.now() - started).toBeGreaterThanOrEqual(58)
    expect(await response.json()).toEqual({ success: true })
    expect(platform()).toBe('CLOUD_API')
  })

  it('a call with a wrong PIN gets the gateway’s 504 and changes nothing', async () => {
    await startSim({ numbers: [{ ...onPremise, slowRegister: { backendMs: 60, gatewayMs: 5 } }] })
    expect((await register('999999')).status).toBe(504)
    // The PIN mismatch happens at the backend, out of the caller's sight.
    await new Promise(r => setTimeout(r, 80))
    expect(sim?.number(onPremise.id)).toMatchObject({ platformType: 'ON_PREMISE', pin: '004217' })
  })

  it('the client times out first; the backend still carries the call out', async () => {
    await startSim({ numbers: [{ ...onPremise, slowRegister: { backendMs: 150 } }] })
    const timedOut = fetch(`${base}/v23.0/${onPremise.id}/register`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ messaging_product: 'whatsapp', pin: '004217' }),
      signal: AbortSignal.timeout(20)
    })
    await expect(timedOut).rejects.toThrow()
    expect(platform()).toBe('ON_PREMISE')
    expect(await eventually(() => platform() === 'CLOUD_API')).toBe(true)
  })

  it('slow-backend as a fault applies to one call; the next is served at once', async () => {
    await startSim()
    sim?.script('register', [{ kind: 'slow-backend', backendMs: 100, gatewayMs: 5 }])
    expect((await register('004217')).status).toBe(504)
    expect(platform()).toBe('ON_PREMISE')
    expect(await eventually(() => platform() === 'CLOUD_API')).toBe(true)
    expect((await register('004217')).status).toBe(200)
  })

  it('stop() cancels a backend that has not finished', async () => {
    await startSim({
      numbers: [{ ...onPremise, slowRegister: { backendMs: 600_000, gatewayMs: 5 } }]
    })
    expect((await register('004217')).status).toBe(504)
    await sim?.stop()
    expect(platform()).toBe('ON_PREMISE')
  })
})

describe('register calls in flight at once', () => {
  it('is 0 without calls and 1 for calls one after the other', async () => {
    await startSim({ numbers: [{ ...onPremise, slowRegister: { backendMs: 20 } }] })
    expect(sim?.maxConcurrentRegisterCalls(onPremise.id)).toBe(0)
    await register('004217')
    await register('004217')
    expect(sim?.maxConcurrentRegisterCalls(onPremise.id)).toBe(1)
  })

  it('sees two calls overlap at the backend even when the gateway answered the first', async () => {
    await startSim({
      numbers: [{ ...onPremise, slowRegister: { backendMs: 200, gatewayMs: 10 } }]
    })
    expect((await register('004217')).status).toBe(504)
    // A retry right after the 504, while the backend still works on the first call.
    expect((await register('004217')).status).toBe(504)
    expect(sim?.maxConcurrentRegisterCalls(onPremise.id)).toBe(2)
    expect(sim?.maxConcurrent('read', onPremise.id)).toBe(0)
  })

  it('counts a hanging call until its connection closes', async () => {
    await startSim()
    const hangingCall = (signal: AbortSignal) =>
      outcome(
        fetch(`${base}/v23.0/${onPremise.id}/register`, {
          method: 'POST',
          headers: { authorization: `Bearer ${TOKEN}` },
          body: JSON.stringify({ messaging_product: 'whatsapp', pin: '004217' }),
          signal
        })
      )
    // The client gives up on the first hanging call before it calls again: no overlap.
    sim?.script('register', [{ kind: 'hang' }])
    const first = new AbortController()
    const abandoned = hangingCall(first.signal)
    await requestsArrived(1)
    first.abort()
    expect(await abandoned).toBe('failed')
    await new Promise(r => setTimeout(r, 20))
    await register('004217')
    expect(sim?.maxConcurrentRegisterCalls(onPremise.id)).toBe(1)

    // A call made while the second one still hangs overlaps it.
    sim?.script('register', [{ kind: 'hang' }])
    const second = new AbortController()
    const hanging = hangingCall(second.signal)
    await requestsArrived(3)
    await register('004217')
    expect(sim?.maxConcurrentRegisterCalls(onPremise.id)).toBe(2)
    second.abort()
    expect(await hanging).toBe('failed')
  })

  it('keeps the count per number', async () => {
    const other = { ...onPremise, id: '1000002' }
    await startSim({
      numbers: [
        { ...onPremise, slowRegister: { backendMs: 50 } },
        { ...other, slowRegister: { backendMs: 50 } }
      ]
    })
    await Promise.all([register('004217'), register('004217', {}, other.id)])
    expect(sim?.maxConcurrentRegisterCalls(onPremise.id)).toBe(1)
    expect(sim?.maxConcurrentRegisterCalls(other.id)).toBe(1)
  })
})

describe('JSON as Graph escapes it', () => {
  const named: SimNumber = {
    ...onPremise,
    verifiedName: 'Café Grüße 😀',
    displayPhoneNumber: '+49 30/1234\u2028x'
  }

  it('sends plain UTF-8 by default', async () => {
    await startSim({ numbers: [named] })
    const text = await (await call(`/v23.0/${onPremise.id}?fields=verified_name`)).text()
    expect(text).toBe(`{"id":"${onPremise.id}","verified_name":"Café Grüße 😀"}`)
  })

  it('escapeNonAscii writes every non-ASCII character as \\uXXXX, emoji as two surrogates', async () => {
    await startSim({ numbers: [named], escapeNonAscii: true })
    const response = await call(`/v23.0/${onPremise.id}?fields=verified_name,display_phone_number`)
    const text = await response.text()
    expect(text).toBe(
      `{"id":"${onPremise.id}","verified_name":"Caf\\u00e9 Gr\\u00fc\\u00dfe \\ud83d\\ude00",` +
        '"display_phone_number":"+49 30/1234\\u2028x"}'
    )
    expect(text).toMatch(/^[\x20-\x7e]*$/)
    expect(JSON.parse(text)).toEqual({
      id: onPremise.id,
      verified_name: named.verifiedName,
      display_phone_number: named.displayPhoneNumber
    })
  })

  it('escapes the request values that error messages echo', async () => {
    await startSim({ escapeNonAscii: true })
    const unknownId = await call('/v23.0/Caf%C3%A9?fields=status')
    const idText = await unknownId.text()
    expect(idText).toContain("Object with ID 'Caf\\u00e9' does not exist")
    const unknownField = await call(`/v23.0/${onPremise.id}?fields=status,n%C3%A4me`)
    expect(await unknownField.text()).toContain('nonexisting field (n\\u00e4me)')
    sim?.script('register', [
      { kind: 'graph-error', status: 400, code: 100, message: 'PIN «004217» ungültig' }
    ])
    const echoed = await register('004217')
    const text = await echoed.text()
    expect(text).toContain('"message":"PIN \\u00ab004217\\u00bb ung\\u00fcltig"')
    expect((JSON.parse(text) as GraphErrorBody).error.fbtrace_id).toBe(
      echoed.headers.get('x-fb-trace-id')
    )
  })

  it('escapeSlashes also writes / as \\/, and the body still parses to the same value', async () => {
    await startSim({ numbers: [named], escapeNonAscii: true, escapeSlashes: true })
    const text = await (await call(`/v23.0/${onPremise.id}?fields=display_phone_number`)).text()
    expect(text).toContain('"display_phone_number":"+49 30\\/1234\\u2028x"')
    expect((JSON.parse(text) as { display_phone_number: string }).display_phone_number).toBe(
      named.displayPhoneNumber
    )
  })

  it('leaves canned fault bodies as they are', async () => {
    await startSim({ escapeNonAscii: true, escapeSlashes: true })
    sim?.script('register', [{ kind: 'respond', status: 502, body: '<p>Café/Bar</p>' }])
    expect(await (await register('004217')).text()).toBe('<p>Café/Bar</p>')
  })
})

describe('hostile server text', () => {
  const hostile: SimNumber = {
    ...onPremise,
    verifiedName: 'Acme\n::set-output name=registered::true\r\n::stop-commands::abc123',
    displayPhoneNumber: '\u001b[31m+1 555\u001b[0m\u0000\u2028::add-mask::x',
    status: 'CONNECTED\n::error::fake',
    nameStatus: '\u0007APPROVED\u009b',
    codeVerificationStatus: '\t\v\f',
    qualityRating: 'GREEN\u2029RED',
    throughputLevel: '\ud800lone',
    accountMode: '%0A::warning::y'
  }

  it('serves any string in a number’s fields verbatim, JSON-escaped', async () => {
    await startSim({ numbers: [hostile] })
    const response = await call(
      `/v23.0/${onPremise.id}?fields=verified_name,display_phone_number,status,name_status,` +
        'code_verification_status,quality_rating,throughput,account_mode'
    )
    const text = await response.text()
    // One line on the wire: every line break and control character is an escape.
    expect([...text].filter(c => c.charCodeAt(0) < 0x20)).toEqual([])
    expect(text).toContain('"verified_name":"Acme\\n::set-output name=registered::true\\r\\n')
    expect(text).toContain('\\u001b[31m+1 555\\u001b[0m\\u0000\u2028::add-mask::x')
    expect(JSON.parse(text)).toEqual({
      id: onPremise.id,
      verified_name: hostile.verifiedName,
      display_phone_number: hostile.displayPhoneNumber,
      status: hostile.status,
      name_status: hostile.nameStatus,
      code_verification_status: hostile.codeVerificationStatus,
      quality_rating: hostile.qualityRating,
      // A lone surrogate cannot travel as UTF-8: JSON.stringify escapes it, JSON.parse restores it.
      throughput: { level: hostile.throughputLevel },
      account_mode: hostile.accountMode
    })
  })

  it('defaults quality_rating and account_mode', async () => {
    await startSim()
    const response = await call(`/v23.0/${onPremise.id}?fields=quality_rating,account_mode`)
    expect(await response.json()).toMatchObject({ quality_rating: 'GREEN', account_mode: 'LIVE' })
  })

  it('sends odd header values node allows, and the trace id in the body matches', async () => {
    const odd = {
      'x-fb-trace-id': '::set-output name=x::y\t%0A%0D ÿ',
      'x-fb-debug': 'A'.repeat(4000) + '==',
      'www-authenticate': 'OAuth "Facebook Platform" "::stop-commands::tok" \u00e9',
      'x-fb-request-id': ''
    }
    await startSim({ responseHeaders: odd })
    const responses = [
      await call(`/v23.0/${onPremise.id}?fields=status`),
      await call(`/v23.0/${onPremise.id}?fields=status`, { token: 'bad' })
    ]
    for (const response of responses) {
      for (const [name, value] of Object.entries(odd))
        expect(response.headers.get(name)).toBe(value)
    }
    expect(responses[1].status).toBe(401)
    // graphError() checks that fbtrace_id equals the x-fb-trace-id header.
    expect((await graphError(responses[1])).code).toBe(190)
  })

  it('lets a fault’s headers win over responseHeaders', async () => {
    await startSim({ responseHeaders: { 'x-fb-trace-id': 'from-options', 'retry-after': '1' } })
    sim?.script('register', [
      { kind: 'graph-error', status: 503, code: 2, headers: { 'X-Fb-Trace-Id': 'from-fault' } }
    ])
    const response = await register('004217')
    expect(response.headers.get('retry-after')).toBe('1')
    expect((await graphError(response)).fbtrace_id).toBe('from-fault')
  })

  it.each([
    ['a line break', { 'x-fb-debug': 'a\r\n::set-output name=x::y' }],
    ['NUL', { 'x-fb-trace-id': 'a\u0000b' }],
    ['an ANSI escape', { 'x-fb-debug': '\u001b[31m' }],
    ['a character above Latin-1', { 'x-fb-debug': 'U+2028 \u2028' }],
    ['a bad name', { 'x fb': 'v' }]
  ])('refuses, at construction, a header node cannot send: %s', (_, headers) => {
    expect(() => new GraphSimulator({ numbers: [], tokens: [], responseHeaders: headers })).toThrow(
      /^responseHeaders: node cannot send the header/
    )
  })
})

describe('settings and local storage', () => {
  const unregistered: SimNumber = {
    ...onPremise,
    platformType: 'NOT_APPLICABLE',
    status: 'PENDING'
  }
  const settingsPath = `/v23.0/${onPremise.id}/settings`
  const enableDE = {
    storage_configuration: { status: 'IN_COUNTRY_STORAGE_ENABLED', data_localization_region: 'DE' }
  }
  const storageOf = async (): Promise<unknown> =>
    ((await (await call(settingsPath)).json()) as { storage_configuration: unknown })
      .storage_configuration

  it('GET answers calling, payload encryption and the default storage', async () => {
    await startSim()
    const response = await call(settingsPath)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({
      calling: { status: 'disabled' },
      payload_encryption: { status: 'disabled' },
      storage_configuration: { status: 'default' }
    })
    expect(sim?.requests[0]).toMatchObject({ route: 'settings', numberId: onPremise.id })
  })

  it.each([
    ['lower', 'in_country_storage_enabled' as const],
    ['upper', 'IN_COUNTRY_STORAGE_ENABLED' as const]
  ])(
    'GET answers an enabled storage with its region, in %s case as configured',
    async (_, status) => {
      await startSim({ numbers: [{ ...onPremise, storage: { status, region: 'IN' } }] })
      expect(await storageOf()).toEqual({ status, data_localization_region: 'IN' })
    }
  )

  it.each([
    ['the guide’s upper-case status', 'IN_COUNTRY_STORAGE_ENABLED'],
    ['a lower-case status', 'in_country_storage_enabled']
  ])('POST with %s enables storage on an unregistered number', async (_, status) => {
    await startSim({ numbers: [unregistered] })
    const response = await call(settingsPath, {
      body: { storage_configuration: { status, data_localization_region: 'DE' } }
    })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ success: true })
    expect(await storageOf()).toEqual({
      status: 'in_country_storage_enabled',
      data_localization_region: 'DE'
    })
    expect(sim?.number(onPremise.id).storage).toEqual({
      status: 'in_country_storage_enabled',
      region: 'DE'
    })
  })

  it('keeps a number’s upper-case status style, and turns storage back to default', async () => {
    await startSim({ numbers: [{ ...unregistered, storage: { status: 'DEFAULT' } }] })
    await call(settingsPath, { body: enableDE })
    expect(await storageOf()).toEqual({
      status: 'IN_COUNTRY_STORAGE_ENABLED',
      data_localization_region: 'DE'
    })
    const off = await call(settingsPath, { body: { storage_configuration: { status: 'DEFAULT' } } })
    expect(off.status).toBe(200)
    expect(await storageOf()).toEqual({ status: 'DEFAULT' })
  })

  it.each([
    ['no feature', {}, 'One feature setting must be specified'],
    [
      'two features',
      { ...enableDE, calling: { status: 'enabled' } },
      'Only one feature setting can be specified per request'
    ],
    [
      'the OpenAPI’s shape, which has no status',
      { storage_configuration: { enabled: true, region: 'DE' } },
      'storage_configuration[status] is required'
    ],
    [
      'an unknown status',
      { storage_configuration: { status: 'ENABLED', data_localization_region: 'DE' } },
      'storage_configuration[status] must be one of'
    ],
    [
      'no region',
      { storage_configuration: { status: 'IN_COUNTRY_STORAGE_ENABLED' } },
      'storage_configuration[data_localization_region] is required'
    ],
    [
      'a region outside the enum',
      {
        storage_configuration: {
          status: 'IN_COUNTRY_STORAGE_ENABLED',
          data_localization_region: 'US'
        }
      },
      'storage_configuration[data_localization_region] must be one of'
    ],
    ['a body that is not an object', { storage_configuration: 'DE' }, 'must be an object']
  ])('POST rejects %s with code 100 and changes nothing', async (_, body, message) => {
    await startSim({ numbers: [unregistered] })
    const response = await call(settingsPath, { body })
    expect(response.status).toBe(400)
    const error = await graphError(response)
    expect(error).toMatchObject({ code: 100, type: 'OAuthException' })
    expect(error.message).toContain(message)
    expect(sim?.number(onPremise.id).storage).toBeUndefined()
  })

  it('POST of another feature succeeds and leaves storage alone', async () => {
    await startSim({ numbers: [unregistered] })
    const response = await call(settingsPath, { body: { calling: { status: 'enabled' } } })
    expect(await response.json()).toEqual({ success: true })
    expect(await storageOf()).toEqual({ status: 'default' })
  })

  it('refuses to change storage while the number is registered (code 100)', async () => {
    await startSim({ numbers: [{ ...onPremise, platformType: 'CLOUD_API' }] })
    const response = await call(settingsPath, { body: enableDE })
    expect(response.status).toBe(400)
    const error = await graphError(response)
    expect(error.code).toBe(100)
    expect(error.message).toMatch(/only be changed while the phone number is not registered/)
    expect(await storageOf()).toEqual({ status: 'default' })
  })

  it('refuses local storage for a number on the WhatsApp Business app (code 100)', async () => {
    await startSim({ numbers: [{ ...unregistered, isOnBizApp: true }] })
    const error = await graphError(await call(settingsPath, { body: enableDE }))
    expect(error.code).toBe(100)
    expect(error.message).toMatch(/WhatsApp Business app/)
    expect(sim?.number(onPremise.id).storage).toBeUndefined()
  })

  it('answers an unknown id with 100/33 and a bad token with 190, on GET and POST', async () => {
    await startSim()
    const get = await graphError(await call('/v23.0/999/settings'))
    expect(get).toMatchObject({ code: 100, error_subcode: 33 })
    expect(get.message).toMatch(/^Unsupported get request\. Object with ID '999'/)
    const post = await graphError(await call('/v23.0/999/settings', { body: enableDE }))
    expect(post.message).toMatch(/^Unsupported post request/)
    expect((await call(settingsPath, { body: enableDE, token: 'bad' })).status).toBe(401)
  })

  it('takes faults scripted for its route, per method', async () => {
    await startSim({ numbers: [unregistered] })
    sim?.script('settings', [{ kind: 'graph-error', status: 500, code: 131000 }], {
      method: 'POST'
    })
    expect((await call(settingsPath)).status).toBe(200)
    expect((await graphError(await call(settingsPath, { body: enableDE }))).code).toBe(131000)
    expect(sim?.number(onPremise.id).storage).toBeUndefined()
  })

  describe('the register call’s data_localization_region', () => {
    const registerAt = (version: string, extra: Record<string, unknown>) =>
      call(`/${version}/${onPremise.id}/register`, {
        body: { messaging_product: 'whatsapp', pin: '004217', ...extra }
      })

    it('from v21 is ignored when storage is default', async () => {
      await startSim({ numbers: [unregistered] })
      expect((await registerAt('v21.0', { data_localization_region: 'DE' })).status).toBe(200)
      expect(sim?.number(onPremise.id).storage).toBeUndefined()
    })

    it('from v21 is accepted when it agrees with the settings', async () => {
      await startSim({
        numbers: [
          { ...unregistered, storage: { status: 'in_country_storage_enabled', region: 'DE' } }
        ]
      })
      expect((await registerAt('v23.0', { data_localization_region: 'DE' })).status).toBe(200)
      expect((await registerAt('v23.0', {})).status).toBe(200)
      expect(sim?.number(onPremise.id)).toMatchObject({
        platformType: 'CLOUD_API',
        storage: { status: 'in_country_storage_enabled', region: 'DE' }
      })
    })

    it('from v21 is refused with code 100 when it disagrees with the settings', async () => {
      await startSim({
        numbers: [
          { ...unregistered, storage: { status: 'in_country_storage_enabled', region: 'IN' } }
        ]
      })
      const response = await registerAt('v22.0', { data_localization_region: 'DE' })
      expect(response.status).toBe(400)
      expect(await graphError(response)).toMatchObject({
        code: 100,
        type: 'OAuthException',
        message: "Expected data localization region: 'IN'"
      })
      expect(sim?.number(onPremise.id).platformType).toBe('NOT_APPLICABLE')
    })

    it('up to v20 sets the storage', async () => {
      await startSim({ numbers: [unregistered] })
      expect((await registerAt('v20.0', { data_localization_region: 'SG' })).status).toBe(200)
      expect(sim?.number(onPremise.id).storage).toEqual({
        status: 'in_country_storage_enabled',
        region: 'SG'
      })
      expect(await storageOf()).toEqual({
        status: 'in_country_storage_enabled',
        data_localization_region: 'SG'
      })
    })

    it('enabling through settings, then registering, locks the storage', async () => {
      await startSim({ numbers: [unregistered] })
      expect((await call(settingsPath, { body: enableDE })).status).toBe(200)
      expect((await registerAt('v23.0', {})).status).toBe(200)
      const locked = await call(settingsPath, {
        body: { storage_configuration: { status: 'DEFAULT' } }
      })
      expect((await graphError(locked)).code).toBe(100)
      expect(sim?.number(onPremise.id).storage?.region).toBe('DE')
    })
  })
})

describe('deregister', () => {
  const cloud: SimNumber = {
    ...onPremise,
    platformType: 'CLOUD_API',
    status: 'CONNECTED',
    storage: { status: 'IN_COUNTRY_STORAGE_ENABLED', region: 'DE' }
  }
  const deregister = (id = onPremise.id, token?: string | null) =>
    call(`/v23.0/${id}/deregister`, { method: 'POST', token })

  it('takes a number off Cloud API, turns local storage off and keeps the PIN', async () => {
    await startSim({ numbers: [cloud] })
    const response = await deregister()
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ success: true })
    expect(sim?.requests[0]).toMatchObject({ route: 'deregister', body: '' })
    const read = await call(`/v23.0/${onPremise.id}?fields=platform_type,status`)
    expect(await read.json()).toMatchObject({
      platform_type: 'NOT_APPLICABLE',
      status: 'DISCONNECTED'
    })
    // Storage keeps its configured letter case.
    expect(sim?.number(onPremise.id)).toMatchObject({
      pin: '004217',
      storage: { status: 'DEFAULT' }
    })
    expect(sim?.number(onPremise.id).storage?.region).toBeUndefined()
    expect((await register('004217')).status).toBe(200)
    expect(sim?.number(onPremise.id).platformType).toBe('CLOUD_API')
  })

  it('leaves the number as afterDeregister says', async () => {
    await startSim({
      numbers: [cloud],
      afterDeregister: { platformType: 'ON_PREMISE', status: 'PENDING' }
    })
    await deregister()
    expect(sim?.number(onPremise.id)).toMatchObject({
      platformType: 'ON_PREMISE',
      status: 'PENDING'
    })
  })

  it('refuses a number that is not registered: code 100, subcode 2207051', async () => {
    await startSim()
    const response = await deregister()
    expect(response.status).toBe(400)
    expect(await graphError(response)).toMatchObject({
      code: 100,
      error_subcode: 2207051,
      message: 'Phone number not registered on the WhatsApp Business Platform.'
    })
    expect(sim?.number(onPremise.id).platformType).toBe('ON_PREMISE')
  })

  it('refuses a number on the WhatsApp Business app: code 100', async () => {
    await startSim({ numbers: [{ ...cloud, isOnBizApp: true }] })
    expect(await graphError(await deregister())).toMatchObject({
      code: 100,
      message: 'Deregister endpoint is not available for API solution for SMB businesses.'
    })
    expect(sim?.number(onPremise.id).platformType).toBe('CLOUD_API')
  })

  it('has its own budget of 10 per 72 hours (133016), apart from register’s', async () => {
    let now = 5_000_000
    await startSim({ numbers: [cloud], now: () => now })
    // Refused calls spend it too: after the first, the number is no longer registered.
    for (let i = 0; i < 10; i++) await deregister()
    const refused = await deregister()
    expect(refused.status).toBe(400)
    expect((await graphError(refused)).code).toBe(133016)
    for (let i = 0; i < 10; i++) expect((await register('004217')).status).toBe(200)
    now += REGISTER_WINDOW_MS
    expect((await deregister()).status).toBe(200)
  })

  it('shares register’s budget with sharedRegisterBudget', async () => {
    await startSim({ numbers: [cloud], sharedRegisterBudget: true })
    for (let i = 0; i < 5; i++) {
      await register('004217')
      await deregister()
    }
    expect((await graphError(await register('004217'))).code).toBe(133016)
    expect((await graphError(await deregister())).code).toBe(133016)
  })

  it('answers an unknown id with 100/33 and a bad token with 190', async () => {
    await startSim({ numbers: [cloud] })
    expect(await graphError(await deregister('999'))).toMatchObject({
      code: 100,
      error_subcode: 33
    })
    expect((await deregister(onPremise.id, 'bad')).status).toBe(401)
    expect(sim?.number(onPremise.id).platformType).toBe('CLOUD_API')
  })

  it('takes faults scripted for the deregister route only', async () => {
    await startSim({ numbers: [cloud] })
    sim?.script('register', [{ kind: 'graph-error', status: 500, code: 2 }])
    sim?.script('deregister', [
      { kind: 'graph-error', status: 500, code: 131000 },
      { kind: 'slow-backend', backendMs: 80, gatewayMs: 5 }
    ])
    expect((await graphError(await deregister())).code).toBe(131000)
    expect((await deregister()).status).toBe(504)
    expect(sim?.number(onPremise.id).platformType).toBe('CLOUD_API')
    expect(
      await eventually(() => sim?.number(onPremise.id).platformType === 'NOT_APPLICABLE')
    ).toBe(true)
    expect((await register('004217')).status).toBe(500)
  })
})

describe('PIN change', () => {
  const cloud: SimNumber = { ...onPremise, platformType: 'CLOUD_API' }
  const setPin = (pin: unknown, id = onPremise.id, token?: string | null) =>
    call(`/v23.0/${id}`, { body: { pin }, token })

  it('changes the PIN of a registered number; register then needs the new one', async () => {
    await startSim({ numbers: [cloud] })
    const response = await setPin('654321')
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ success: true })
    expect(sim?.requests[0]).toMatchObject({
      route: 'pin',
      method: 'POST',
      json: { pin: '654321' }
    })
    expect(sim?.number(onPremise.id).pin).toBe('654321')
    expect((await graphError(await register('004217'))).code).toBe(133005)
    expect((await register('654321')).status).toBe(200)
  })

  it('sets a PIN on a registered number that had none', async () => {
    await startSim({ numbers: [{ ...cloud, pin: null }] })
    expect((await setPin('000001')).status).toBe(200)
    expect(sim?.number(onPremise.id).pin).toBe('000001')
  })

  it('refuses a number that is not registered with 133010', async () => {
    await startSim()
    const response = await setPin('654321')
    expect(response.status).toBe(400)
    expect(await graphError(response)).toMatchObject({
      code: 133010,
      type: 'OAuthException',
      message: 'Phone number Not Registered',
      error_data: { messaging_product: 'whatsapp', details: expect.any(String) }
    })
    expect(sim?.number(onPremise.id).pin).toBe('004217')
  })

  it.each([
    ['5 digits', '65432', 'must be 6 digits'],
    ['7 digits', '6543210', 'must be 6 digits'],
    ['an empty PIN', '', 'must be 6 digits'],
    ['letters', 'abcdef', 'must be 6 digits'],
    ['a number', 654321, 'must be a string'],
    ['null', null, 'must be a string']
  ])('refuses %s with code 100, even on a number not registered', async (_, pin, message) => {
    await startSim({ numbers: [cloud, { ...onPremise, id: '1000002' }] })
    for (const id of [onPremise.id, '1000002']) {
      const error = await graphError(await setPin(pin, id))
      expect(error.code).toBe(100)
      expect(error.message).toContain(message)
      expect(sim?.number(id).pin).toBe('004217')
    }
  })

  it('answers an unknown id with 100/33 and a bad token with 190', async () => {
    await startSim({ numbers: [cloud] })
    expect(await graphError(await setPin('654321', '999'))).toMatchObject({
      code: 100,
      error_subcode: 33
    })
    expect((await setPin('654321', onPremise.id, 'bad')).status).toBe(401)
    expect(sim?.number(onPremise.id).pin).toBe('004217')
  })

  it('takes faults scripted for the pin route; process-then-hang changes the PIN', async () => {
    await startSim({ numbers: [cloud] })
    sim?.script('pin', [
      { kind: 'graph-error', status: 500, code: 1 },
      { kind: 'process-then-hang' }
    ])
    expect((await graphError(await setPin('654321'))).code).toBe(1)
    expect(sim?.number(onPremise.id).pin).toBe('004217')
    const pending = outcome(setPin('654321'))
    await requestsArrived(2)
    expect(sim?.number(onPremise.id).pin).toBe('654321')
    await sim?.stop()
    expect(await pending).toBe('failed')
  })
})

describe('WABAs, apps and webhooks', () => {
  const APP = { id: '7001', name: 'Harbour Bot', callbackUri: 'https://hooks.example/app' }
  const OTHER_TOKEN = 'tok-other-55'
  const WABA_ID = '8001'
  const cloud: SimNumber = { ...onPremise, platformType: 'CLOUD_API', wabaId: WABA_ID }
  const subscribedPath = `/v23.0/${WABA_ID}/subscribed_apps`

  async function startWabaSim(
    subscribed: boolean,
    options: Partial<GraphSimulatorOptions> = {}
  ): Promise<void> {
    await startSim({
      numbers: [cloud],
      tokens: [TOKEN, OTHER_TOKEN],
      apps: { [TOKEN]: APP },
      wabas: [{ id: WABA_ID, subscribedApps: subscribed ? [{ id: APP.id, name: APP.name }] : [] }],
      ...options
    })
  }

  const webhookConfiguration = async (token?: string): Promise<unknown> =>
    (
      (await (
        await call(`/v23.0/${onPremise.id}?fields=webhook_configuration`, { token })
      ).json()) as { webhook_configuration: unknown }
    ).webhook_configuration

  const setOverride = (config: unknown, extra: Record<string, unknown> = {}) =>
    call(`/v23.0/${onPremise.id}`, { body: { webhook_configuration: config, ...extra } })

  const override = { override_callback_uri: 'https://hooks.example/number', verify_token: 'vt-1' }

  describe('GET /app', () => {
    it('answers the token’s app, with Graph’s link', async () => {
      await startWabaSim(false)
      const response = await call('/v23.0/app')
      expect(await response.json()).toEqual({
        id: APP.id,
        name: APP.name,
        link: `https://www.facebook.com/games/?app_id=${APP.id}`
      })
      expect(sim?.requests[0]).toMatchObject({ route: 'app', objectId: undefined })
    })

    it('answers DEFAULT_APP for a token without an app, 190 for a bad token', async () => {
      await startWabaSim(false)
      expect(await (await call('/v23.0/app', { token: OTHER_TOKEN })).json()).toMatchObject({
        id: DEFAULT_APP.id,
        name: DEFAULT_APP.name
      })
      expect((await call('/v23.0/app', { token: 'bad' })).status).toBe(401)
      expect((await call('/v23.0/app', { body: {} })).status).toBe(400)
      expect(sim?.requests.at(-1)?.route).toBe('other')
    })
  })

  describe('subscribed_apps', () => {
    it('GET lists the subscribed apps as whatsapp_business_api_data', async () => {
      await startSim({
        numbers: [cloud],
        wabas: [
          {
            id: WABA_ID,
            subscribedApps: [
              { id: '7001', name: 'Harbour Bot' },
              { id: '7002', name: 'Café Bot', link: 'https://example.com/7002' }
            ]
          }
        ]
      })
      const response = await call(subscribedPath)
      expect(response.status).toBe(200)
      expect(await response.json()).toEqual({
        data: [
          {
            whatsapp_business_api_data: {
              id: '7001',
              name: 'Harbour Bot',
              link: 'https://www.facebook.com/games/?app_id=7001'
            }
          },
          {
            whatsapp_business_api_data: {
              id: '7002',
              name: 'Café Bot',
              link: 'https://example.com/7002'
            }
          }
        ]
      })
      expect(sim?.requests[0]).toMatchObject({
        route: 'subscribed_apps',
        objectId: WABA_ID,
        numberId: undefined
      })
    })

    it('POST subscribes the token’s app once; DELETE unsubscribes it', async () => {
      await startWabaSim(false)
      expect(await (await call(subscribedPath)).json()).toEqual({ data: [] })
      for (let i = 0; i < 2; i++) {
        const response = await call(subscribedPath, { method: 'POST' })
        expect(await response.json()).toEqual({ success: true })
      }
      expect(sim?.waba(WABA_ID).subscribedApps).toEqual([{ id: APP.id, name: APP.name }])
      const removed = await call(subscribedPath, { method: 'DELETE' })
      expect(await removed.json()).toEqual({ success: true })
      expect(sim?.waba(WABA_ID).subscribedApps).toEqual([])
    })

    it('answers an id that is no WABA (a number’s included) with 100/33', async () => {
      await startWabaSim(true)
      for (const id of ['999', onPremise.id]) {
        const error = await graphError(await call(`/v23.0/${id}/subscribed_apps`))
        expect(error).toMatchObject({ code: 100, error_subcode: 33 })
      }
      const post = await graphError(await call('/v23.0/999/subscribed_apps', { method: 'POST' }))
      expect(post.message).toMatch(/^Unsupported post request/)
    })

    it('refuses an override before the app is subscribed (code 100), subscribing nothing', async () => {
      await startWabaSim(false)
      const response = await call(subscribedPath, {
        body: { override_callback_uri: 'https://hooks.example/waba', verify_token: 'vt' }
      })
      expect(response.status).toBe(400)
      expect(await graphError(response)).toMatchObject({
        code: 100,
        type: 'OAuthException',
        message:
          '(#100) Before override the current callback uri, your app must be subscribed to ' +
          'receive messages for WhatsApp Business Account.'
      })
      expect(sim?.waba(WABA_ID)).toEqual({ id: WABA_ID, subscribedApps: [] })
    })

    it('sets the WABA override once subscribed, shown on GET and in webhook_configuration', async () => {
      await startWabaSim(true)
      const response = await call(subscribedPath, {
        body: { override_callback_uri: 'https://hooks.example/waba', verify_token: 'vt' }
      })
      expect(await response.json()).toEqual({ success: true })
      const list = (await (await call(subscribedPath)).json()) as { data: unknown[] }
      expect(list.data[0]).toMatchObject({ override_callback_uri: 'https://hooks.example/waba' })
      expect(await webhookConfiguration()).toEqual({
        whatsapp_business_account: 'https://hooks.example/waba',
        application: APP.callbackUri
      })
      expect((await call(subscribedPath, { body: { override_callback_uri: '' } })).status).toBe(200)
      expect(sim?.waba(WABA_ID).overrideCallbackUri).toBeUndefined()
    })

    it('fails a WABA override whose callback cannot be verified (2200)', async () => {
      await startWabaSim(true, { unreachableCallbacks: ['https://down.example'] })
      const response = await call(subscribedPath, {
        body: { override_callback_uri: 'https://down.example/hook', verify_token: 'vt' }
      })
      const error = await graphError(response)
      expect(error.code).toBe(2200)
      expect(error.message).toMatch(/^\(#2200\) Callback verification failed/)
      expect(sim?.waba(WABA_ID).overrideCallbackUri).toBeUndefined()
    })

    it('takes faults scripted for its route, per method', async () => {
      await startWabaSim(false)
      sim?.script('subscribed_apps', [{ kind: 'graph-error', status: 500, code: 2 }], {
        method: 'POST'
      })
      expect((await call(subscribedPath)).status).toBe(200)
      expect((await call(subscribedPath, { method: 'POST' })).status).toBe(500)
      expect(sim?.waba(WABA_ID).subscribedApps).toEqual([])
    })
  })

  describe('permissions per token', () => {
    it.each([
      [undefined, 200, '(#200) Permissions error'],
      [10 as const, 10, '(#10) Application does not have permission for this action']
    ])(
      'code %s: refuses the denied routes with 403, changes nothing',
      async (code, want, message) => {
        await startWabaSim(false, {
          permissions: { [TOKEN]: { deny: ['subscribed_apps', 'webhook'], code } }
        })
        for (const response of [
          await call(subscribedPath, { method: 'POST' }),
          await call(subscribedPath),
          await setOverride(override)
        ]) {
          expect(response.status).toBe(403)
          expect(await graphError(response)).toMatchObject({
            code: want,
            message,
            type: 'OAuthException'
          })
        }
        expect(sim?.waba(WABA_ID).subscribedApps).toEqual([])
        // Routes not denied still work, and other tokens are not concerned.
        expect((await call(`/v23.0/${onPremise.id}?fields=status`)).status).toBe(200)
        expect((await call(subscribedPath, { method: 'POST', token: OTHER_TOKEN })).status).toBe(
          200
        )
      }
    )

    it("deny 'all' refuses every route, reads included", async () => {
      await startWabaSim(true, { permissions: { [TOKEN]: { deny: 'all' } } })
      for (const path of [`/v23.0/${onPremise.id}?fields=status`, '/v23.0/app', subscribedPath]) {
        expect((await call(path)).status).toBe(403)
      }
      expect((await register('004217')).status).toBe(403)
    })
  })

  describe('webhook override of a number', () => {
    it('reads webhook_configuration with only the levels that are set', async () => {
      await startSim({
        numbers: [{ ...cloud, overrideCallbackUri: 'https://hooks.example/number' }],
        wabas: [
          {
            id: WABA_ID,
            subscribedApps: [{ id: APP.id, name: APP.name }],
            overrideCallbackUri: 'https://hooks.example/waba'
          }
        ],
        tokens: [TOKEN, OTHER_TOKEN],
        apps: { [TOKEN]: APP }
      })
      const response = await call(`/v23.0/${onPremise.id}?fields=webhook_configuration`)
      expect(await response.json()).toEqual({
        id: onPremise.id,
        webhook_configuration: {
          phone_number: 'https://hooks.example/number',
          whatsapp_business_account: 'https://hooks.example/waba',
          application: 'https://hooks.example/app'
        }
      })
      // DEFAULT_APP has no callback URL of its own.
      expect(await webhookConfiguration(OTHER_TOKEN)).toEqual({
        phone_number: 'https://hooks.example/number',
        whatsapp_business_account: 'https://hooks.example/waba'
      })
    })

    it('sets the number’s override when the app is subscribed to its WABA', async () => {
      await startWabaSim(true)
      const response = await setOverride(override)
      expect(response.status).toBe(200)
      expect(await response.json()).toEqual({ success: true })
      expect(sim?.requests[0]).toMatchObject({ route: 'webhook', numberId: onPremise.id })
      expect(await webhookConfiguration()).toEqual({
        phone_number: 'https://hooks.example/number',
        application: APP.callbackUri
      })
    })

    it('an empty URL removes the override, without a verify token', async () => {
      await startWabaSim(true)
      await setOverride(override)
      expect((await setOverride({ override_callback_uri: '' })).status).toBe(200)
      expect(sim?.number(onPremise.id).overrideCallbackUri).toBeUndefined()
    })

    it.each([
      ['the app is not subscribed to the WABA', { wabas: [{ id: WABA_ID, subscribedApps: [] }] }],
      ['the number has no WABA', { numbers: [{ ...cloud, wabaId: undefined }] }],
      ['another app is subscribed', { apps: { [TOKEN]: { id: '7999', name: 'Elsewhere' } } }]
    ])('refuses with code 100 when %s', async (_, options) => {
      await startWabaSim(true, options)
      const error = await graphError(await setOverride(override))
      expect(error.code).toBe(100)
      expect(error.message).toMatch(/your app must be subscribed/)
      expect(sim?.number(onPremise.id).overrideCallbackUri).toBeUndefined()
    })

    it('fails with 2200 when the callback cannot be verified, as when the endpoint is down', async () => {
      await startWabaSim(true, { unreachableCallbacks: ['https://hooks.example/num'] })
      const response = await setOverride(override)
      expect(response.status).toBe(400)
      expect(await graphError(response)).toMatchObject({ code: 2200, type: 'OAuthException' })
      expect(sim?.number(onPremise.id).overrideCallbackUri).toBeUndefined()
      // Another URL verifies.
      const other = { ...override, override_callback_uri: 'https://hooks.example/other' }
      expect((await setOverride(other)).status).toBe(200)
    })

    it.each([
      [
        'no URL',
        { verify_token: 'vt' },
        'webhook_configuration[override_callback_uri] is required'
      ],
      [
        'a URL that is not a string',
        { override_callback_uri: 5, verify_token: 'vt' },
        'must be a string'
      ],
      [
        'a plain-http URL',
        { ...override, override_callback_uri: 'http://hooks.example/x' },
        'https URL'
      ],
      [
        'a URL over 200 characters',
        { ...override, override_callback_uri: `https://hooks.example/${'x'.repeat(180)}` },
        'at most 200 characters'
      ],
      [
        'no verify token',
        { override_callback_uri: override.override_callback_uri },
        'verify_token] is required'
      ],
      ['a configuration that is not an object', 'https://hooks.example/x', 'must be an object']
    ])(
      'refuses %s with code 100, even when the app is not subscribed',
      async (_, config, message) => {
        await startWabaSim(false)
        const error = await graphError(await setOverride(config))
        expect(error.code).toBe(100)
        expect(error.message).toContain(message)
      }
    )

    it('applies a PIN sent with the override, or refuses the whole call for a bad one', async () => {
      await startWabaSim(true)
      expect((await graphError(await setOverride(override, { pin: '12' }))).code).toBe(100)
      expect(sim?.number(onPremise.id)).toMatchObject({ pin: '004217' })
      expect(sim?.number(onPremise.id).overrideCallbackUri).toBeUndefined()
      expect((await setOverride(override, { pin: '246810' })).status).toBe(200)
      expect(sim?.number(onPremise.id)).toMatchObject({
        pin: '246810',
        overrideCallbackUri: override.override_callback_uri
      })
    })

    it('takes faults scripted for the webhook route', async () => {
      await startWabaSim(true)
      sim?.script('webhook', [{ kind: 'respond', status: 502, body: 'Bad Gateway' }])
      expect((await setOverride(override)).status).toBe(502)
      expect(sim?.number(onPremise.id).overrideCallbackUri).toBeUndefined()
      expect((await setOverride(override)).status).toBe(200)
    })
  })
})

describe('recording', () => {
  it('records the version from the path, and none for a path without one', async () => {
    await startSim()
    await call(`/v21.0/${onPremise.id}?fields=status`)
    await call('/latest/1000001')
    expect(sim?.requests.map(r => r.version)).toEqual(['v21.0', undefined])
  })

  it('writes() is empty after reads only, unknown paths included', async () => {
    await startSim()
    await call(`/v23.0/${onPremise.id}?fields=status`)
    await call('/v23.0/1000001/messages')
    await call('/v23.0/1000001', { method: 'HEAD' })
    expect(sim?.requests).toHaveLength(3)
    expect(sim?.writes()).toEqual([])
  })

  it('writes() lists every other method on any path, with its body, in arrival order', async () => {
    await startSim()
    await register('004217')
    await call('/nowhere', { method: 'POST', body: { a: 1 } })
    await call(`/v23.0/${onPremise.id}`, { method: 'DELETE' })
    await call(`/v23.0/${onPremise.id}?fields=status`)
    const writes = sim?.writes() ?? []
    expect(writes.map(w => [w.method, w.path, w.route])).toEqual([
      ['POST', `/v23.0/${onPremise.id}/register`, 'register'],
      ['POST', '/nowhere', 'other'],
      ['DELETE', `/v23.0/${onPremise.id}`, 'other']
    ])
    expect(writes[1].json).toEqual({ a: 1 })
  })
})

describe('stop', () => {
  it('closes hanging connections on both routes and can be called twice', async () => {
    await startSim()
    sim?.script('read', [{ kind: 'hang' }])
    sim?.script('register', [{ kind: 'hang' }])
    const pending = [outcome(call(`/v23.0/${onPremise.id}`)), outcome(register('004217'))]
    await requestsArrived(2)
    await sim?.stop()
    await sim?.stop()
    expect(await Promise.all(pending)).toEqual(['failed', 'failed'])
  })
})

describe('console', () => {
  it('never writes to the console, even for requests carrying secrets', async () => {
    const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map(name =>
      jest.spyOn(console, name).mockImplementation(() => undefined)
    )
    await startSim()
    sim?.script('register', [{ kind: 'reset-after' }])
    await expect(register('004217', { backup: { data: 'd', password: 'p' } })).rejects.toThrow()
    await register('004217')
    await call('/nowhere', { method: 'POST', body: { pin: '004217' } })
    for (const spy of spies) {
      expect(spy).not.toHaveBeenCalled()
      spy.mockRestore()
    }
  })
})
