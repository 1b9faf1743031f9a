import { afterEach, describe, expect, it } from '@jest/globals'
import { parseCommandLine, parseConfig } from '../../sim/config.js'
import { GraphSimulator, type GraphSimulatorOptions } from '../../sim/graph-simulator.js'

const TOKEN = 'cfg-token-31f9'

const CONFIG = {
  numbers: [
    {
      id: '2000001',
      displayPhoneNumber: '+49 30 1234',
      verifiedName: 'Bäckerei',
      platformType: 'NOT_APPLICABLE',
      status: 'PENDING',
      pin: null,
      wabaId: '9001',
      storage: { status: 'IN_COUNTRY_STORAGE_ENABLED', region: 'DE' },
      slowRegister: { backendMs: 40, gatewayMs: 5, gatewayStatus: 502 },
      qualityRating: 'YELLOW'
    }
  ],
  tokens: [TOKEN, 'cfg-denied-77'],
  wabas: [{ id: '9001', subscribedApps: [{ id: '7001', name: 'Harbour Bot' }] }],
  apps: { [TOKEN]: { id: '7001', name: 'Harbour Bot', callbackUri: 'https://hooks.example/app' } },
  permissions: { 'cfg-denied-77': { deny: ['subscribed_apps'], code: 10 } },
  unreachableCallbacks: ['https://down.example'],
  responseHeaders: { 'x-fb-debug': 'dbg' },
  escapeNonAscii: true,
  sharedRegisterBudget: true,
  afterDeregister: { platformType: 'NOT_APPLICABLE', status: 'UNKNOWN' }
}

/** Reads argv with files served from `files`, as the CLI would from disk. */
function options(argv: string[], files: Record<string, unknown> = {}): GraphSimulatorOptions {
  const parsed = parseCommandLine(argv, file => {
    if (!(file in files)) throw new Error(`no file ${file}`)
    const content = files[file]
    return typeof content === 'string' ? content : JSON.stringify(content)
  })
  if (!parsed) throw new Error('help was asked for')
  return parsed
}

let sim: GraphSimulator | undefined
afterEach(async () => {
  await sim?.stop()
  sim = undefined
})

async function serve(opts: GraphSimulatorOptions): Promise<string> {
  sim = new GraphSimulator(opts)
  return sim.start()
}

const get = (url: string, token = TOKEN) =>
  fetch(url, { headers: { authorization: `Bearer ${token}` } })

describe('the CLI’s config file', () => {
  it('serves every new option read from --config', async () => {
    const base = await serve(options(['--config', 'sim.json'], { 'sim.json': CONFIG }))

    const read = await get(`${base}/v23.0/2000001?fields=verified_name,quality_rating`)
    expect(read.headers.get('x-fb-debug')).toBe('dbg')
    expect(await read.text()).toBe(
      '{"id":"2000001","verified_name":"B\\u00e4ckerei","quality_rating":"YELLOW"}'
    )
    const settings = await get(`${base}/v23.0/2000001/settings`)
    expect(await settings.json()).toMatchObject({
      storage_configuration: {
        status: 'IN_COUNTRY_STORAGE_ENABLED',
        data_localization_region: 'DE'
      }
    })
    expect(await (await get(`${base}/v23.0/app`)).json()).toMatchObject({ id: '7001' })
    const apps = await get(`${base}/v23.0/9001/subscribed_apps`)
    expect(await apps.json()).toMatchObject({
      data: [{ whatsapp_business_api_data: { id: '7001', name: 'Harbour Bot' } }]
    })
    const denied = await get(`${base}/v23.0/9001/subscribed_apps`, 'cfg-denied-77')
    expect(denied.status).toBe(403)
    expect(((await denied.json()) as { error: { code: number } }).error.code).toBe(10)

    const register = await fetch(`${base}/v23.0/2000001/register`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ messaging_product: 'whatsapp', pin: '123456' })
    })
    expect(register.status).toBe(502)
    expect(sim?.number('2000001').platformType).toBe('NOT_APPLICABLE')

    const webhook = await fetch(`${base}/v23.0/2000001`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        webhook_configuration: {
          override_callback_uri: 'https://down.example/x',
          verify_token: 'v'
        }
      })
    })
    expect(((await webhook.json()) as { error: { code: number } }).error.code).toBe(2200)
  })

  it('lets the command line override the config', async () => {
    const opts = options(
      [
        '--config',
        'sim.json',
        '--token',
        'flag-token',
        '--success-shape',
        'string',
        '--escape-slashes'
      ],
      { 'sim.json': { ...CONFIG, successShape: 'boolean', port: 0 } }
    )
    expect(opts).toMatchObject({
      tokens: ['flag-token'],
      successShape: 'string',
      escapeSlashes: true,
      escapeNonAscii: true,
      port: 0
    })
    const base = await serve(opts)
    expect((await get(`${base}/v23.0/2000001?fields=status`, 'flag-token')).status).toBe(200)
    expect((await get(`${base}/v23.0/2000001?fields=status`, TOKEN)).status).toBe(401)
  })

  it('--numbers replaces the config’s numbers', () => {
    const numbers = [{ ...CONFIG.numbers[0], id: '2000002' }]
    const opts = options(['--config', 'c.json', '--numbers', 'n.json'], {
      'c.json': CONFIG,
      'n.json': numbers
    })
    expect(opts.numbers.map(n => n.id)).toEqual(['2000002'])
    expect(opts.wabas).toEqual(CONFIG.wabas)
  })

  it('without options serves the default number to sim-token', async () => {
    const base = await serve(options([]))
    const read = await get(`${base}/v23.0/106540352242922?fields=platform_type`, 'sim-token')
    expect(await read.json()).toMatchObject({ platform_type: 'ON_PREMISE' })
  })

  it.each([
    ['an unknown option', { ...CONFIG, colour: 'red' }, 'unknown option "colour"'],
    [
      'a WABA id with letters',
      { wabas: [{ id: 'w1', subscribedApps: [] }] },
      'waba 0: id must be a string of digits'
    ],
    ['a WABA without subscribedApps', { wabas: [{ id: '1' }] }, 'subscribedApps must be an array'],
    [
      'an app without a name',
      { apps: { [TOKEN]: { id: '1' } } },
      'apps: entry 0: name must be a string'
    ],
    [
      'a permission with an unknown route',
      { permissions: { [TOKEN]: { deny: ['messages'] } } },
      'permissions: entry 0: deny must be "all" or an array of routes'
    ],
    [
      'a storage status of another spelling',
      { numbers: [{ ...CONFIG.numbers[0], storage: { status: 'enabled' } }] },
      'number 0: storage: status must be one of'
    ],
    [
      'a slow backend without backendMs',
      { numbers: [{ ...CONFIG.numbers[0], slowRegister: { gatewayMs: 5 } }] },
      'slowRegister: backendMs must be a whole number of milliseconds'
    ],
    ['a port out of range', { port: 70000 }, 'port must be a whole number from 0 to 65535'],
    [
      'a header that is not a string',
      { responseHeaders: { 'x-a': 1 } },
      'responseHeaders: x-a must be a string'
    ]
  ])('rejects %s, naming the field and never a token', (_, config, message) => {
    const run = () => parseConfig(JSON.stringify(config), 'sim.json')
    expect(run).toThrow(message)
    expect(run).not.toThrow(TOKEN)
  })

  it('rejects a file that is not JSON or not an object', () => {
    expect(() => parseConfig('{', 'sim.json')).toThrow('sim.json is not valid JSON')
    expect(() => parseConfig('[]', 'sim.json')).toThrow('sim.json must be an object')
  })
})
