/**
 * Registered is not done (issue 12): after registering, or for a number already registered, the
 * token's app is subscribed to the WABA, then the number's webhook override is set to
 * callback-url; each checked before and confirmed after, and never after a failed registration.
 */
import { afterAll, describe, expect, it as jestIt, jest } from '@jest/globals'
import type { GraphSimulator, SimNumber, SimWaba } from '../../sim/graph-simulator.js'
import {
  CLOUD_ID,
  cloudNumber,
  expectRegistered,
  failureMessages,
  infoLines,
  inputs,
  NEW_NUMBER_ID,
  newNumber,
  runChecked as runWithSecrets,
  startSimulator,
  stopSimulators,
  summaryRow,
  theFailure,
  TOKEN,
  WRONG_PIN
} from './action-scenario.js'

jest.setTimeout(30_000)
// Independent scenarios, each with its own simulator, run side by side: most of their time is waiting.
const it = jestIt.concurrent
afterAll(stopSimulators)

// No 6-character run shared with the token, the PIN or any id below.
const VERIFY_TOKEN = 'vt-Hq3Zr8WmPx5Ky2Ld'

/** Runs the action, holding it to the secret rules for every secret input given. */
function runChecked(actionInputs: Record<string, string>): ReturnType<typeof runWithSecrets> {
  const secrets = ['access-token', 'pin', 'verify-token']
    .map(name => actionInputs[name] ?? '')
    .filter(value => value.trim() !== '')
  return runWithSecrets(actionInputs, secrets)
}

const WABA_ID = '730164295387015'
const APP_ID = '846205631940738'
const OTHER_APP = { id: '953107742618204', name: 'Analytics Dashboard' }
const CALLBACK = 'https://bot.example.com/whatsapp/webhook'
const OLD_CALLBACK = 'https://old-bot.example.com/hook'

/** A WABA with these apps subscribed. */
function waba(subscribedApps: SimWaba['subscribedApps'] = []): SimWaba {
  return { id: WABA_ID, subscribedApps }
}

const OUR_APP = { id: APP_ID, name: 'Northwind Ferries Bot' }

function inWaba(number: SimNumber, changes: Partial<SimNumber> = {}): SimNumber {
  return { ...number, wabaId: WABA_ID, ...changes }
}

async function start(
  numbers: SimNumber[],
  subscribedApps: SimWaba['subscribedApps'] = [],
  options: Parameters<typeof startSimulator>[1] = {}
): Promise<{ sim: GraphSimulator; url: string }> {
  return startSimulator(numbers, {
    wabas: [waba(subscribedApps)],
    apps: { [TOKEN]: OUR_APP },
    ...options
  })
}

/** `METHOD route` of every request, in order, with the fields of a read of the webhook. */
function calls(sim: GraphSimulator): string[] {
  return sim.requests.map(request => {
    const webhookRead = request.route === 'read' && request.query.fields === 'webhook_configuration'
    return `${request.method} ${webhookRead ? 'webhook_configuration' : request.route}`
  })
}

const WIRING_ROUTES = ['app', 'subscribed_apps', 'webhook']

describe('the app subscription', () => {
  it('subscribes an app that is not subscribed, then confirms it, after registering', async () => {
    const { sim, url } = await start([inWaba(newNumber())], [OTHER_APP])
    const run = await runChecked(inputs(url, NEW_NUMBER_ID, { 'waba-id': WABA_ID }))
    expectRegistered(run, 1)
    expect(calls(sim)).toEqual([
      'GET read',
      'GET settings',
      'POST register',
      'GET read',
      'GET app',
      'GET subscribed_apps',
      'POST subscribed_apps',
      'GET subscribed_apps',
      'GET webhook_configuration'
    ])
    expect(sim.waba(WABA_ID).subscribedApps.map(app => app.id)).toEqual([OTHER_APP.id, APP_ID])
    expect(run.outputs['app-subscribed']).toBe('true')
    expect(run.outputs).not.toHaveProperty('webhook-url')
    expect(summaryRow(run, 'Subscribed')).toBe('✅ yes (subscribed by this run)')
    expect(summaryRow(run, 'App')).toBe(`Northwind Ferries Bot (${APP_ID})`)
    expect(infoLines(run)).toContain(
      `Subscribed: app ${APP_ID} (Northwind Ferries Bot) now receives the webhooks of WhatsApp Business Account ${WABA_ID}.`
    )
  })

  it('writes nothing for a registered number whose app is already subscribed', async () => {
    const { sim, url } = await start([inWaba(cloudNumber())], [OUR_APP])
    const run = await runChecked(inputs(url, CLOUD_ID, { 'waba-id': WABA_ID }))
    expect(run.exitCode).toBe(0)
    expect(run.outputs).toMatchObject({
      success: 'true',
      result: 'already-registered',
      'app-subscribed': 'true'
    })
    expect(sim.writes()).toEqual([])
    expect(calls(sim)).toEqual([
      'GET read',
      'GET settings',
      'GET app',
      'GET subscribed_apps',
      'GET webhook_configuration'
    ])
    expect(summaryRow(run, 'Subscribed')).toBe('✅ yes')
  })

  it('subscribes the app of an already-registered number: no register call', async () => {
    const { sim, url } = await start([inWaba(cloudNumber())])
    const run = await runChecked(inputs(url, CLOUD_ID, { 'waba-id': WABA_ID }))
    expect(run.exitCode).toBe(0)
    expect(run.outputs).toMatchObject({ result: 'already-registered', 'app-subscribed': 'true' })
    expect(sim.registerCalls()).toEqual([])
    expect(sim.writes().map(r => r.route)).toEqual(['subscribed_apps'])
    expect(sim.writes()[0]?.body).toBe('')
  })

  it('checks app-id without reading the token app', async () => {
    const { sim, url } = await start([inWaba(cloudNumber())], [OUR_APP])
    const run = await runChecked(inputs(url, CLOUD_ID, { 'waba-id': WABA_ID, 'app-id': APP_ID }))
    expect(run.outputs['app-subscribed']).toBe('true')
    expect(calls(sim)).not.toContain('GET app')
    expect(summaryRow(run, 'App')).toBe(`Northwind Ferries Bot (${APP_ID})`)
  })

  it('fails, number registered, one register call, when the subscription is refused', async () => {
    const { sim, url } = await start([inWaba(newNumber())])
    sim.script(
      'subscribed_apps',
      [{ kind: 'graph-error', status: 403, code: 200, message: '(#200) Permissions error' }],
      { method: 'POST' }
    )
    const run = await runChecked(
      inputs(url, NEW_NUMBER_ID, {
        'waba-id': WABA_ID,
        'callback-url': CALLBACK,
        'verify-token': VERIFY_TOKEN
      })
    )
    expect(run.exitCode).toBe(1)
    expect(sim.registerCalls()).toHaveLength(1)
    expect(sim.number(NEW_NUMBER_ID)).toMatchObject({
      platformType: 'CLOUD_API',
      status: 'CONNECTED'
    })
    expect(run.outputs).toMatchObject({
      success: 'false',
      result: 'registered',
      attempts: '1',
      'app-subscribed': 'false',
      'platform-type': 'CLOUD_API'
    })
    // Not retried (a permission error), and no override without the subscription.
    expect(sim.writes().map(r => r.route)).toEqual(['register', 'subscribed_apps'])
    const message = theFailure(run)
    expect(message).toMatch(
      new RegExp(
        `^The number is registered, but not wired to receive messages: app ${APP_ID} \\(Northwind Ferries Bot\\) is not subscribed to WhatsApp Business Account ${WABA_ID}, and subscribing it failed: HTTP 403, Graph error \\(code 200\\)`
      )
    )
    expect(message).toContain(`The webhook override to ${CALLBACK} was not set either`)
    expect(message).toMatch(/What to do: Grant whatsapp_business_management/)
    expect(message).toMatch(/fbtrace_id: /)
    expect(summaryRow(run, 'Subscribed')).toBe('❌ no')
    expect(summaryRow(run, 'Result')).toBe('✅ registered')
  })

  it('fails without a write when the token may not read the subscriptions', async () => {
    const { sim, url } = await start([inWaba(cloudNumber())], [], {
      permissions: { [TOKEN]: { deny: ['subscribed_apps'], code: 10 } }
    })
    const run = await runChecked(inputs(url, CLOUD_ID, { 'waba-id': WABA_ID }))
    expect(run.exitCode).toBe(1)
    expect(run.outputs).toMatchObject({ success: 'false', result: 'already-registered' })
    expect(run.outputs).not.toHaveProperty('app-subscribed')
    expect(sim.writes()).toEqual([])
    expect(theFailure(run)).toMatch(
      /^The number is already registered, but not wired to receive messages: reading the apps subscribed to WhatsApp Business Account \d+ failed/
    )
  })

  it('retries a transient failure like a read', async () => {
    const { sim, url } = await start([inWaba(cloudNumber())], [OUR_APP])
    // Retry-After: 0 keeps the test fast; the loop is the one reads use.
    sim.script('subscribed_apps', [
      { kind: 'respond', status: 503, body: 'busy', headers: { 'retry-after': '0' } }
    ])
    const run = await runChecked(inputs(url, CLOUD_ID, { 'waba-id': WABA_ID, retries: '1' }))
    expect(run.exitCode).toBe(0)
    expect(run.outputs['app-subscribed']).toBe('true')
    expect(calls(sim).filter(call => call === 'GET subscribed_apps')).toHaveLength(2)
    expect(
      infoLines(run).some(line => line.startsWith('Subscribed apps read attempt 2 of 2'))
    ).toBe(true)
  })

  it('says so when the call answers success but the app is still not subscribed', async () => {
    const { sim, url } = await start([inWaba(cloudNumber())])
    sim.script('subscribed_apps', [{ kind: 'respond', status: 200, body: '{"success":true}' }], {
      method: 'POST'
    })
    const run = await runChecked(
      inputs(url, CLOUD_ID, { 'waba-id': WABA_ID, 'app-id': OTHER_APP.id })
    )
    expect(run.exitCode).toBe(1)
    expect(run.outputs['app-subscribed']).toBe('false')
    expect(theFailure(run)).toMatch(/still not among the apps subscribed/)
    expect(theFailure(run)).toMatch(/when app-id names another app, use a token of that app/)
  })
})

describe('the webhook override', () => {
  const withCallback = (url: string, id: string, extra: Record<string, string> = {}) =>
    inputs(url, id, {
      'waba-id': WABA_ID,
      'callback-url': CALLBACK,
      'verify-token': VERIFY_TOKEN,
      ...extra
    })

  it('subscribes first, then sets the override and confirms it', async () => {
    const { sim, url } = await start([inWaba(newNumber(), { overrideCallbackUri: OLD_CALLBACK })])
    const run = await runChecked(withCallback(url, NEW_NUMBER_ID))
    expectRegistered(run, 1)
    expect(calls(sim).slice(4)).toEqual([
      'GET app',
      'GET subscribed_apps',
      'POST subscribed_apps',
      'GET subscribed_apps',
      'GET webhook_configuration',
      'POST webhook',
      'GET webhook_configuration'
    ])
    const override = sim.requests.find(r => r.route === 'webhook')
    expect(override?.path).toBe(`/v26.0/${NEW_NUMBER_ID}`)
    expect(override?.json).toEqual({
      webhook_configuration: { override_callback_uri: CALLBACK, verify_token: VERIFY_TOKEN }
    })
    expect(sim.number(NEW_NUMBER_ID).overrideCallbackUri).toBe(CALLBACK)
    expect(run.outputs).toMatchObject({ 'app-subscribed': 'true', 'webhook-url': CALLBACK })
    expect(summaryRow(run, 'Webhook URL')).toBe(`${CALLBACK} (number override, set by this run)`)
  })

  it('writes nothing when the override is already callback-url', async () => {
    const { sim, url } = await start(
      [inWaba(cloudNumber(), { overrideCallbackUri: CALLBACK })],
      [OUR_APP]
    )
    const run = await runChecked(withCallback(url, CLOUD_ID))
    expect(run.exitCode).toBe(0)
    expect(sim.writes()).toEqual([])
    expect(run.outputs).toMatchObject({
      success: 'true',
      result: 'already-registered',
      'app-subscribed': 'true',
      'webhook-url': CALLBACK
    })
    expect(infoLines(run)).toContain(
      'The webhook override is already callback-url: nothing to change.'
    )
  })

  it('reports the WABA override as the webhook URL when the number has none', async () => {
    const { url } = await start([inWaba(cloudNumber())], [OUR_APP], {
      wabas: [{ ...waba([OUR_APP]), overrideCallbackUri: OLD_CALLBACK }]
    })
    const run = await runChecked(inputs(url, CLOUD_ID, { 'waba-id': WABA_ID }))
    expect(run.outputs['webhook-url']).toBe(OLD_CALLBACK)
    expect(summaryRow(run, 'Webhook URL')).toBe(`${OLD_CALLBACK} (WABA override)`)
  })

  it('fails with the hint when Meta cannot verify the callback URL', async () => {
    const { sim, url } = await start([inWaba(cloudNumber())], [OUR_APP], {
      unreachableCallbacks: ['https://bot.example.com/']
    })
    const run = await runChecked(withCallback(url, CLOUD_ID))
    expect(run.exitCode).toBe(1)
    expect(run.outputs).toMatchObject({
      success: 'false',
      result: 'already-registered',
      'app-subscribed': 'true'
    })
    expect(run.outputs).not.toHaveProperty('webhook-url')
    // Code 2200 is not transient: one call.
    expect(sim.writes().map(r => r.route)).toEqual(['webhook'])
    const message = theFailure(run)
    expect(message).toMatch(
      /^The number is already registered, but not wired to receive messages: setting the number's webhook override to https:\/\/bot\.example\.com\/whatsapp\/webhook failed: HTTP 400, Graph error \(code 2200\)/
    )
    expect(message).toContain(
      'the endpoint must be up, reachable over https, and answer the verification challenge'
    )
    expect(message).toContain('same verify token as verify-token')
  })

  it('never shows the verify token, even when Graph echoes it', async () => {
    const { sim, url } = await start([inWaba(cloudNumber())], [OUR_APP], {
      escapeNonAscii: true
    })
    const token = 'vérify-Tq7Wn2Zx9Kp4'
    sim.script('webhook', [
      {
        kind: 'graph-error',
        status: 400,
        code: 100,
        message: `(#100) Param webhook_configuration[verify_token] ${token} is invalid`
      }
    ])
    const run = await runChecked(withCallback(url, CLOUD_ID, { 'verify-token': token }))
    expect(run.exitCode).toBe(1)
    expect(theFailure(run)).toMatch(/verify_token\] \*\*\* is invalid/)
  })

  it('keeps the verify token exactly as given', async () => {
    const { sim, url } = await start([inWaba(cloudNumber())], [OUR_APP])
    const token = ' spaced-Verify-Tk93 '
    const run = await runChecked(withCallback(url, CLOUD_ID, { 'verify-token': token }))
    expect(run.exitCode).toBe(0)
    const sent = sim.requests.find(r => r.route === 'webhook')?.json as {
      webhook_configuration: { verify_token: string }
    }
    expect(sent.webhook_configuration.verify_token).toBe(token)
  })
})

describe('never after a failed registration, and only reads in a dry run', () => {
  it('makes no wiring call when the registration fails', async () => {
    const { sim, url } = await start([inWaba(cloudNumber())])
    const run = await runChecked({
      ...inputs(url, CLOUD_ID, {
        'waba-id': WABA_ID,
        'callback-url': CALLBACK,
        'verify-token': VERIFY_TOKEN,
        'skip-if-registered': 'false'
      }),
      pin: WRONG_PIN
    })
    expect(sim.registerCalls()).toHaveLength(1)
    expect(run.exitCode).toBe(1)
    expect(run.outputs).toMatchObject({ success: 'false', result: 'failed' })
    expect(sim.requests.filter(r => WIRING_ROUTES.includes(r.route))).toEqual([])
    expect(calls(sim)).not.toContain('GET webhook_configuration')
    expect(run.outputs).not.toHaveProperty('app-subscribed')
    expect(summaryRow(run, 'Subscribed')).toBeUndefined()
  })

  it('reads in a dry run, writes nothing, and plans both writes', async () => {
    const { sim, url } = await start([inWaba(newNumber())])
    const run = await runChecked(
      inputs(url, NEW_NUMBER_ID, {
        'waba-id': WABA_ID,
        'callback-url': CALLBACK,
        'verify-token': VERIFY_TOKEN,
        'dry-run': 'true'
      })
    )
    expect(run.exitCode).toBe(0)
    expect(run.outputs).toMatchObject({
      success: 'true',
      result: 'dry-run',
      'app-subscribed': 'false'
    })
    expect(sim.writes()).toEqual([])
    expect(calls(sim)).toEqual([
      'GET read',
      'GET settings',
      'GET app',
      'GET subscribed_apps',
      'GET webhook_configuration'
    ])
    const plan = infoLines(run).find(line => line.startsWith('Dry run: the wiring would send:'))
    expect(plan).toBe(
      `Dry run: the wiring would send: POST ${url}/v26.0/${WABA_ID}/subscribed_apps (subscribes the token's app); then POST ${url}/v26.0/${NEW_NUMBER_ID} with webhook_configuration.override_callback_uri (${CALLBACK}), webhook_configuration.verify_token`
    )
    expect(run.summary).toContain('What a real run would send')
    expect(run.summary).toContain(`${WABA_ID}/subscribed_apps`)
  })

  it('plans nothing in a dry run when all is wired already', async () => {
    const { sim, url } = await start(
      [inWaba(cloudNumber(), { overrideCallbackUri: CALLBACK })],
      [OUR_APP]
    )
    const run = await runChecked(
      inputs(url, CLOUD_ID, {
        'waba-id': WABA_ID,
        'callback-url': CALLBACK,
        'verify-token': VERIFY_TOKEN,
        'dry-run': 'true'
      })
    )
    expect(run.outputs).toMatchObject({ result: 'dry-run', 'webhook-url': CALLBACK })
    expect(sim.writes()).toEqual([])
    expect(infoLines(run).some(line => line.startsWith('Dry run: the wiring'))).toBe(false)
  })
})

describe('inputs', () => {
  it.each([
    ['a waba-id that is not digits', { 'waba-id': 'WABA-7301' }, /^waba-id: expected/],
    [
      'a non-https callback-url',
      {
        'waba-id': WABA_ID,
        'callback-url': 'http://bot.example.com/hook',
        'verify-token': VERIFY_TOKEN
      },
      /^callback-url: expected an https URL/
    ],
    [
      'callback-url without waba-id',
      { 'callback-url': CALLBACK, 'verify-token': VERIFY_TOKEN },
      /^callback-url: needs waba-id/
    ],
    [
      'callback-url without verify-token',
      { 'waba-id': WABA_ID, 'callback-url': CALLBACK },
      /^verify-token: required with callback-url/
    ],
    [
      'verify-token without callback-url',
      { 'waba-id': WABA_ID, 'verify-token': VERIFY_TOKEN },
      /^verify-token: given without callback-url/
    ]
  ])('refuses %s before any request', async (_, extra, problem) => {
    const { sim, url } = await start([inWaba(newNumber())])
    const run = await runChecked(inputs(url, NEW_NUMBER_ID, extra))
    expect(run.exitCode).toBe(1)
    expect(sim.requests).toEqual([])
    expect(run.outputs).toMatchObject({ success: 'false', result: 'failed' })
    const message = failureMessages(run)[0] ?? ''
    expect(message.split('\n').map(line => line.replace(/^- /, ''))).toContainEqual(
      expect.stringMatching(problem)
    )
  })
})
