import { afterEach, describe, expect, it } from '@jest/globals'
import { response, TIMING } from '../__fixtures__/graph.js'
import { GraphClient, NetworkFailure, type HttpExchange } from '../src/graph.js'
import type { Host } from '../src/host.js'
import type { Settings, WiringSettings } from '../src/inputs.js'
import { Redactor } from '../src/redact.js'
import { newReport, type Result, type RunReport } from '../src/report.js'
import type { RetryEnvironment } from '../src/retry.js'
import {
  effectiveWebhook,
  parseApp,
  parseSubscribedApps,
  parseWebhookConfiguration,
  sameUrl,
  WebhookWiring
} from '../src/wiring.js'
import { OVERRIDE_HINT, wireNumber } from '../src/wiring-step.js'
import {
  GraphSimulator,
  type GraphSimulatorOptions,
  type SimNumber
} from '../sim/graph-simulator.js'

const TOKEN = 'EAAGm0PX4ZCpsBAKZAB1rT2xQv9Lw7'
const VERIFY_TOKEN = 'vt-Qm7Kx2Lp9Wz4Rn'
const NUMBER_ID = '1234567890123456'
const WABA_ID = '9876543210987654'
const APP = { id: '555000111222333', name: 'Acme Bot' }
const CALLBACK = 'https://bot.example.com/hook'

const NUMBER: SimNumber = {
  id: NUMBER_ID,
  displayPhoneNumber: '+1 555-0100',
  verifiedName: 'Acme',
  platformType: 'CLOUD_API',
  status: 'CONNECTED',
  pin: '004217',
  wabaId: WABA_ID
}

describe('parsers', () => {
  it('reads the app of a token, its id as a string of digits', () => {
    expect(parseApp('{"id":"555","name":"Acme\\nBot","link":"x"}')).toEqual({
      id: '555',
      name: 'Acme Bot'
    })
    expect(parseApp('{"id":555}')).toEqual({ id: '555' })
    for (const body of ['{}', '{"id":"abc"}', '[]', 'null', 'not json', '{"error":{"code":1}}']) {
      expect(parseApp(body)).toBeUndefined()
    }
  })

  it('reads the subscribed apps, skipping entries it cannot read', () => {
    const body = JSON.stringify({
      data: [
        { whatsapp_business_api_data: { id: '1', name: 'One', link: 'https://x' } },
        { override_callback_uri: 'https://y' },
        { whatsapp_business_api_data: { id: 2 } },
        null
      ]
    })
    expect(parseSubscribedApps(body)).toEqual([{ id: '1', name: 'One' }, { id: '2' }])
    expect(parseSubscribedApps('{"data":[]}')).toEqual([])
    expect(parseSubscribedApps('{"success":true}')).toBeUndefined()
    expect(parseSubscribedApps('{"error":{"code":200}}')).toBeUndefined()
  })

  it('reads the webhook configuration; a node without it has no override at any level', () => {
    const body = JSON.stringify({
      id: NUMBER_ID,
      webhook_configuration: {
        phone_number: 'https://a.example/x',
        whatsapp_business_account: 'https://b.example/\u001b[31m',
        application: ''
      }
    })
    expect(parseWebhookConfiguration(body)).toEqual({
      phoneNumber: 'https://a.example/x',
      whatsappBusinessAccount: 'https://b.example/'
    })
    expect(parseWebhookConfiguration(`{"id":"${NUMBER_ID}"}`)).toEqual({})
    expect(parseWebhookConfiguration('{"error":{"code":100}}')).toBeUndefined()
    expect(parseWebhookConfiguration('<html>')).toBeUndefined()
  })
})

describe('effectiveWebhook and sameUrl', () => {
  it('takes the number, then the WABA, then the app', () => {
    const all = { phoneNumber: 'n', whatsappBusinessAccount: 'w', application: 'a' }
    expect(effectiveWebhook(all)).toEqual({ url: 'n', source: 'number override' })
    expect(effectiveWebhook({ ...all, phoneNumber: undefined })).toEqual({
      url: 'w',
      source: 'WABA override'
    })
    expect(effectiveWebhook({ application: 'a' })).toEqual({ url: 'a', source: 'app callback' })
    expect(effectiveWebhook({})).toBeUndefined()
  })

  it('compares URLs as URLs, not as text', () => {
    expect(sameUrl('https://Bot.Example.com', 'https://bot.example.com/')).toBe(true)
    expect(sameUrl('https://bot.example.com/a', 'https://bot.example.com/b')).toBe(false)
    expect(sameUrl('https://bot.example.com/a', 'https://bot.example.com/a/')).toBe(false)
    expect(sameUrl('not a url', 'not a url')).toBe(true)
    expect(sameUrl('not a url', 'https://x/')).toBe(false)
  })
})

// A real client against the simulator, with no waits.
let sim: GraphSimulator | undefined
let graph: GraphClient | undefined
afterEach(async () => {
  graph?.dispose()
  await sim?.stop()
  sim = undefined
  graph = undefined
})

const sleeps: number[] = []
const logged: string[] = []
const ENV: RetryEnvironment = {
  timing: TIMING,
  sleep: ms => {
    sleeps.push(ms)
    return Promise.resolve()
  },
  now: () => 0,
  log: message => logged.push(message)
}

async function simulated(options: Partial<GraphSimulatorOptions> = {}): Promise<GraphClient> {
  sim = new GraphSimulator({
    numbers: [NUMBER],
    tokens: [TOKEN],
    wabas: [{ id: WABA_ID, subscribedApps: [] }],
    apps: { [TOKEN]: APP },
    ...options
  })
  const baseUrl = await sim.start()
  graph = new GraphClient({
    baseUrl,
    apiVersion: 'v26.0',
    accessToken: TOKEN,
    timeoutMs: 5000,
    userAgent: 'test/1.0.0'
  })
  return graph
}

describe('WebhookWiring', () => {
  it('reads the app, subscribes it, and sets an override the simulator then reports', async () => {
    const calls = new WebhookWiring(await simulated(), ENV, 3)
    expect(await calls.readApp()).toEqual({ ok: true, value: APP })
    expect(await calls.readSubscribedApps(WABA_ID)).toEqual({ ok: true, value: [] })
    expect(await calls.subscribe(WABA_ID)).toEqual({ ok: true, value: true })
    expect(await calls.readSubscribedApps(WABA_ID)).toEqual({ ok: true, value: [APP] })
    expect(await calls.setOverride(NUMBER_ID, CALLBACK, VERIFY_TOKEN)).toEqual({
      ok: true,
      value: true
    })
    expect(await calls.readWebhook(NUMBER_ID)).toEqual({
      ok: true,
      value: { phoneNumber: CALLBACK }
    })
    const override = sim?.requests.find(r => r.route === 'webhook')
    expect(override?.json).toEqual({
      webhook_configuration: { override_callback_uri: CALLBACK, verify_token: VERIFY_TOKEN }
    })
    expect(
      sim?.requests.find(r => r.route === 'subscribed_apps' && r.method === 'POST')?.body
    ).toBe('')
  })

  it('retries a transient failure within the limit, and stops on a permanent one', async () => {
    const calls = new WebhookWiring(await simulated(), ENV, 2)
    sim?.script('subscribed_apps', [
      { kind: 'respond', status: 502, body: '<html>Bad Gateway</html>' },
      { kind: 'respond', status: 502, body: '<html>Bad Gateway</html>' }
    ])
    const twice = await calls.readSubscribedApps(WABA_ID)
    expect(twice).toMatchObject({ ok: false, failure: { kind: 'http', httpStatus: 502 } })
    expect(sim?.requests.filter(r => r.route === 'subscribed_apps')).toHaveLength(2)

    sim?.script('webhook', [{ kind: 'graph-error', status: 403, code: 200 }])
    const refused = await calls.setOverride(NUMBER_ID, CALLBACK, VERIFY_TOKEN)
    expect(refused).toMatchObject({ ok: false, failure: { code: 200, next: 'stop' } })
    expect(sim?.requests.filter(r => r.route === 'webhook')).toHaveLength(1)
  })

  it('retries a write whose answer was lost: doing it twice is harmless', async () => {
    const calls = new WebhookWiring(await simulated(), ENV, 3)
    sim?.script('subscribed_apps', [{ kind: 'reset-after' }], { method: 'POST' })
    expect(await calls.subscribe(WABA_ID)).toEqual({ ok: true, value: true })
    expect(sim?.waba(WABA_ID).subscribedApps.map(app => app.id)).toEqual([APP.id])
  })

  it('takes a network failure as a classified failure', async () => {
    const failing = {
      get: () => Promise.reject(new NetworkFailure('ECONNREFUSED', 'ECONNREFUSED', false, false))
    } as unknown as GraphClient
    const outcome = await new WebhookWiring(failing, ENV, 1).readApp()
    expect(outcome).toMatchObject({ ok: false, failure: { kind: 'network', next: 'retry' } })
  })

  it('does not take a 200 that is not the expected body', async () => {
    const odd = {
      get: (): Promise<HttpExchange> => Promise.resolve(response(200, { data: 'x' })),
      post: (): Promise<HttpExchange> => Promise.resolve(response(200, { success: false }))
    } as unknown as GraphClient
    const calls = new WebhookWiring(odd, ENV, 1)
    expect(await calls.readSubscribedApps(WABA_ID)).toMatchObject({ ok: false })
    expect(await calls.subscribe(WABA_ID)).toMatchObject({ ok: false })
  })
})

/** A host that records what the step says. */
function recordingHost(): Host & { lines: string[] } {
  const lines: string[] = []
  return {
    lines,
    input: () => '',
    mask: () => undefined,
    info: message => lines.push(message),
    warning: message => lines.push(`warning: ${message}`),
    fail: message => lines.push(`fail: ${message}`),
    output: () => undefined,
    workspace: '/'
  }
}

const BASE_SETTINGS: Settings = {
  accessToken: TOKEN,
  phoneNumberId: NUMBER_ID,
  pin: '004217',
  apiVersion: 'v26.0',
  graphApiUrl: 'http://127.0.0.1:1',
  timeoutMs: 5000,
  retries: 1,
  settleMs: 0,
  preflight: true,
  skipIfRegistered: true,
  dryRun: false
}

interface StepRun {
  report: RunReport
  lines: string[]
  warnings: string[]
}

async function step(
  wiring: WiringSettings | undefined,
  options: { result?: Result; dryRun?: boolean; sim?: Partial<GraphSimulatorOptions> } = {}
): Promise<StepRun> {
  const client = await simulated(options.sim)
  const host = recordingHost()
  const warnings: string[] = []
  const report = { ...newReport(), result: options.result ?? 'registered' }
  const settings: Settings = {
    ...BASE_SETTINGS,
    dryRun: options.dryRun ?? false,
    ...(wiring && { wiring })
  }
  await wireNumber(
    {
      settings,
      graph: client,
      env: ENV,
      host,
      redactor: new Redactor([TOKEN, VERIFY_TOKEN]),
      warn: message => warnings.push(message)
    },
    report
  )
  return { report, lines: host.lines, warnings }
}

const WITH_CALLBACK: WiringSettings = {
  wabaId: WABA_ID,
  webhook: { callbackUrl: CALLBACK, verifyToken: VERIFY_TOKEN }
}

describe('wireNumber', () => {
  it('does nothing without waba-id', async () => {
    const { report, lines } = await step(undefined)
    expect(report.wiring).toBeUndefined()
    expect(lines).toEqual([])
    expect(sim?.requests).toEqual([])
  })

  it('subscribes, then sets the override, and reports both', async () => {
    const { report, lines } = await step(WITH_CALLBACK)
    expect(report.unmet).toBeUndefined()
    expect(report.wiring).toEqual({
      wabaId: WABA_ID,
      app: APP,
      subscribed: true,
      subscribedNow: true,
      webhook: { url: CALLBACK, source: 'number override' },
      overrideSetNow: true,
      planned: []
    })
    expect(lines).toEqual([
      `Receiving messages: app ${APP.id} (Acme Bot) is not subscribed to WhatsApp Business Account ${WABA_ID}.`,
      `Subscribing the token's app to WhatsApp Business Account ${WABA_ID}.`,
      `Subscribed: app ${APP.id} (Acme Bot) now receives the webhooks of WhatsApp Business Account ${WABA_ID}.`,
      'Webhook: no callback URL is set for this number, its WhatsApp Business Account or the app.',
      `Setting the number's webhook override to ${CALLBACK}.`,
      `Webhook: Meta sends this number's messages to ${CALLBACK} (number override).`
    ])
  })

  it('names the app from the list when app-id is given', async () => {
    const { report } = await step(
      { wabaId: WABA_ID, appId: APP.id },
      { sim: { wabas: [{ id: WABA_ID, subscribedApps: [APP] }] } }
    )
    expect(report.wiring?.app).toEqual(APP)
    expect(sim?.requests.map(r => r.route)).toEqual(['subscribed_apps', 'read'])
  })

  it('plans the writes in a dry run and makes none', async () => {
    const { report, lines } = await step(WITH_CALLBACK, { result: 'dry-run', dryRun: true })
    expect(sim?.writes()).toEqual([])
    expect(report.unmet).toBeUndefined()
    expect(report.wiring).toMatchObject({ subscribed: false, webhook: null })
    expect(report.wiring?.planned).toEqual([
      `POST http://127.0.0.1:1/v26.0/${WABA_ID}/subscribed_apps (subscribes the token's app)`,
      `POST http://127.0.0.1:1/v26.0/${NUMBER_ID} with webhook_configuration.override_callback_uri (${CALLBACK}), webhook_configuration.verify_token`
    ])
    expect(lines.at(-1)).toMatch(/^Dry run: the wiring would send: POST .*; then POST /)
  })

  it('says what is missing and the hint when the override fails, and never the token', async () => {
    const { report } = await step(WITH_CALLBACK, {
      result: 'already-registered',
      sim: { unreachableCallbacks: ['https://bot.example.com'] }
    })
    expect(report.wiring?.subscribed).toBe(true)
    expect(report.unmet).toMatch(
      /^The number is already registered, but not wired to receive messages: setting the number's webhook override to https:\/\/bot\.example\.com\/hook failed: HTTP 400, Graph error \(code 2200\)/
    )
    expect(report.unmet).toContain(OVERRIDE_HINT)
    expect(report.unmet).toMatch(/What to do: Make sure the endpoint is up/)
    expect(report.unmet).not.toContain(VERIFY_TOKEN)
  })

  it('keeps an unmet storage check and adds the wiring to it', async () => {
    const client = await simulated({
      permissions: { [TOKEN]: { deny: ['app'] } }
    })
    const report: RunReport = { ...newReport(), result: 'registered', unmet: 'Storage is off.' }
    await wireNumber(
      {
        settings: { ...BASE_SETTINGS, wiring: { wabaId: WABA_ID } },
        graph: client,
        env: ENV,
        host: recordingHost(),
        redactor: new Redactor(),
        warn: () => undefined
      },
      report
    )
    expect(report.unmet?.split('\n')[0]).toBe('Storage is off.')
    expect(report.unmet?.split('\n')[1]).toMatch(
      /^The number is registered, but not wired to receive messages: reading the access token's app \(GET \/app\) failed/
    )
  })

  it('only warns when the webhook cannot be read and no callback-url was asked', async () => {
    const { report, warnings } = await step(
      { wabaId: WABA_ID },
      {
        sim: {
          wabas: [{ id: WABA_ID, subscribedApps: [APP] }],
          unknownFields: ['webhook_configuration']
        }
      }
    )
    expect(report.unmet).toBeUndefined()
    expect(report.wiring?.webhook).toBeUndefined()
    expect(warnings).toEqual([
      expect.stringMatching(
        /^Reading the number's webhook configuration failed: .*nonexisting field/
      )
    ])
  })

  it('fails when the webhook cannot be read and callback-url was asked', async () => {
    const { report } = await step(WITH_CALLBACK, {
      sim: {
        wabas: [{ id: WABA_ID, subscribedApps: [APP] }],
        unknownFields: ['webhook_configuration']
      }
    })
    expect(report.unmet).toMatch(
      /^The number is registered, but not wired to receive messages: reading the number's webhook configuration failed, so its override to https:\/\/bot\.example\.com\/hook cannot be checked/
    )
    expect(sim?.writes()).toEqual([])
  })

  it('fails when the override reads back as another URL', async () => {
    const client = await simulated({ wabas: [{ id: WABA_ID, subscribedApps: [APP] }] })
    sim?.script('webhook', [{ kind: 'respond', status: 200, body: '{"success":true}' }])
    const report: RunReport = { ...newReport(), result: 'registered' }
    await wireNumber(
      {
        settings: { ...BASE_SETTINGS, wiring: WITH_CALLBACK },
        graph: client,
        env: ENV,
        host: recordingHost(),
        redactor: new Redactor(),
        warn: () => undefined
      },
      report
    )
    expect(report.unmet).toBe(
      `The number is registered, but not wired to receive messages: the override call answered success, but the number's override reads back as none, not ${CALLBACK}.`
    )
    expect(report.wiring?.webhook).toBeNull()
  })

  it('says that the wiring could not be checked in a dry run', async () => {
    const { report } = await step(
      { wabaId: WABA_ID },
      {
        result: 'dry-run',
        dryRun: true,
        sim: { permissions: { [TOKEN]: { deny: ['subscribed_apps'] } } }
      }
    )
    expect(report.unmet).toMatch(
      /^The wiring could not be checked: reading the apps subscribed to WhatsApp Business Account \d+ failed/
    )
  })
})
