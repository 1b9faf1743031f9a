import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it, expect, jest, beforeEach, afterEach } from '@jest/globals'
import * as core from '../__fixtures__/core.js'
import { USER_AGENT } from '../src/constants.js'
import type { RetryTiming } from '../src/retry.js'
import {
  GraphSimulator,
  type Fault,
  type GraphSimulatorOptions,
  type SimNumber
} from '../sim/graph-simulator.js'

jest.unstable_mockModule('@actions/core', () => core)
const { run } = await import('../src/main.js')

const TOKEN = 'EAAGm0PX4ZCpsBAKZAB1rT2xQv9Lw7'
const PIN = '004217'
const BACKUP_DATA = 'YmFja3VwLWxpbmUtb25lLW9mLWRhdGE=\r\nYmFja3VwLWxpbmUtdHdv\nthird-line-Zq81'
const BACKUP_PASSWORD = 'Zq-Pw-8812-kX'

const MIGRATING = '1111111111111111'
const NEW_NUMBER = '2222222222222222'
const REGISTERED = '3333333333333333'

const ON_PREMISE_NUMBER: SimNumber = {
  id: MIGRATING,
  displayPhoneNumber: '+1 555-0101',
  verifiedName: 'Acme On-Prem',
  platformType: 'ON_PREMISE',
  status: 'CONNECTED',
  pin: PIN,
  backup: { data: BACKUP_DATA, password: BACKUP_PASSWORD }
}
/** Never registered and without two-step PIN: any 6-digit PIN is accepted. */
const NEW_NUMBER_STATE: SimNumber = {
  id: NEW_NUMBER,
  displayPhoneNumber: '+1 555-0102',
  verifiedName: 'Acme New',
  platformType: 'NOT_APPLICABLE',
  status: 'PENDING',
  pin: null
}
const REGISTERED_NUMBER: SimNumber = {
  id: REGISTERED,
  displayPhoneNumber: '+1 555-0103',
  verifiedName: 'Acme Cloud',
  platformType: 'CLOUD_API',
  status: 'CONNECTED',
  pin: PIN
}
const NUMBERS = [ON_PREMISE_NUMBER, NEW_NUMBER_STATE, REGISTERED_NUMBER]

const ZERO_WAITS: RetryTiming = {
  baseDelayMs: 0,
  maxDelayMs: 0,
  maxRetryAfterMs: 60_000,
  random: () => 0
}

const PRINTING = [
  core.info,
  core.warning,
  core.notice,
  core.debug,
  core.error,
  core.setFailed,
  core.setOutput,
  core.summary.addHeading,
  core.summary.addTable,
  core.summary.addCodeBlock,
  core.summary.addList,
  core.summary.write
]

let sim: GraphSimulator | undefined
let workspace: string | undefined

beforeEach(() => {
  core.summary.reset()
  delete process.env.GITHUB_STEP_SUMMARY
})

afterEach(async () => {
  await sim?.stop()
  sim = undefined
  if (workspace) rmSync(workspace, { recursive: true, force: true })
  workspace = undefined
  delete process.env.GITHUB_WORKSPACE
  delete process.env.GITHUB_STEP_SUMMARY
})

interface Setup {
  simulator?: Partial<GraphSimulatorOptions>
  register?: Fault[]
  read?: Fault[]
}

/** Starts a simulator and returns the inputs that point the action at it. */
async function startGraph(setup: Setup = {}): Promise<Record<string, string>> {
  sim = new GraphSimulator({ numbers: NUMBERS, tokens: [TOKEN], ...setup.simulator })
  if (setup.register) sim.script('register', setup.register)
  if (setup.read) sim.script('read', setup.read)
  const url = await sim.start()
  return { 'access-token': TOKEN, pin: PIN, 'graph-api-url': url, 'timeout-seconds': '30' }
}

/** Runs the action with these inputs (trimmed like core.getInput) and no real waits. */
async function runWith(inputs: Record<string, string>): Promise<void> {
  core.getInput.mockImplementation((name, options) =>
    options?.trimWhitespace === false ? (inputs[name] ?? '') : (inputs[name] ?? '').trim()
  )
  await run({ timing: ZERO_WAITS, sleep: () => Promise.resolve() })
}

function outputs(): Record<string, string> {
  return Object.fromEntries(core.setOutput.mock.calls.map(([name, value]) => [name, String(value)]))
}

function registerCalls(): number {
  return sim?.registerCalls().length ?? 0
}

/** Everything the action printed, wrote to an output or put in the summary. */
function everythingShown(): string {
  const calls = PRINTING.flatMap(fn => (fn.mock.calls as unknown[][]).flat())
  return [
    ...calls.map(arg => (typeof arg === 'string' ? arg : JSON.stringify(arg))),
    core.summary.text()
  ].join('\n')
}

/**
 * Exactly these secrets (the values sent) are masked, before anything is shown; no secret, no line
 * of one, is shown.
 */
function expectSecretsSafe(expectedSecrets: string[]): void {
  expect(core.setSecret.mock.calls.map(([value]) => value).sort()).toEqual(
    [...expectedSecrets].sort()
  )
  for (const [value] of core.setSecret.mock.calls) expect(value).not.toBe('')
  const lastSecret = Math.max(0, ...core.setSecret.mock.invocationCallOrder)
  for (const fn of PRINTING) {
    for (const order of fn.mock.invocationCallOrder) expect(order).toBeGreaterThan(lastSecret)
  }
  const shown = everythingShown()
  for (const secret of expectedSecrets) {
    // Lines such as `{` of a pretty-printed envelope are not secrets of their own.
    const lines = secret.split(/\r?\n/).filter(line => line.trim().length >= 4)
    for (const line of lines) expect(shown).not.toContain(line)
  }
}

describe('run: success paths', () => {
  it('migrates a number with a multi-line backup: read, register once, read again', async () => {
    const inputs = await startGraph()
    process.env.GITHUB_STEP_SUMMARY = '/dev/null'
    await runWith({
      ...inputs,
      'phone-number-id': MIGRATING,
      'backup-data': BACKUP_DATA,
      'backup-password': BACKUP_PASSWORD
    })

    expect(core.setFailed).not.toHaveBeenCalled()
    expect(sim?.requests.map(r => r.route)).toEqual(['read', 'settings', 'register', 'read'])
    const [register] = sim?.registerCalls() ?? []
    expect(register?.json).toEqual({
      messaging_product: 'whatsapp',
      pin: PIN,
      backup: { data: BACKUP_DATA, password: BACKUP_PASSWORD }
    })
    expect(register?.headers['user-agent']).toBe(USER_AGENT)
    expect(register?.headers.authorization).toBe(`Bearer ${TOKEN}`)
    expect(sim?.number(MIGRATING)).toMatchObject({ platformType: 'CLOUD_API', status: 'CONNECTED' })

    expect(outputs()).toEqual({
      success: 'true',
      result: 'registered',
      'phone-number-id': MIGRATING,
      'display-phone-number': '+1 555-0101',
      'verified-name': 'Acme On-Prem',
      'platform-type': 'CLOUD_API',
      'phone-number-status': 'CONNECTED',
      attempts: '1',
      'http-status': '200',
      'fbtrace-id': expect.stringMatching(/^[\w-]{23}$/),
      response: '{"success":true}',
      'name-status': 'APPROVED',
      'throughput-level': 'STANDARD',
      'storage-region': '',
      number: expect.stringContaining('"platform_type":"CLOUD_API"'),
      'number-before': expect.stringContaining('"platform_type":"ON_PREMISE"')
    })
    expect(core.summary.write).toHaveBeenCalledTimes(1)
    expect(core.summary.text()).toContain('Platform before')
    expectSecretsSafe([TOKEN, PIN, BACKUP_DATA, BACKUP_PASSWORD])
  })

  it('registers a new number without a backup, masking only the token and the PIN', async () => {
    const inputs = await startGraph()
    await runWith({ ...inputs, 'phone-number-id': NEW_NUMBER, 'data-localization-region': 'de' })
    expect(core.setFailed).not.toHaveBeenCalled()
    // v21+: the region through the settings first, then a register body without it, then a check.
    expect(sim?.requests.map(r => `${r.method} ${r.route}`)).toEqual([
      'GET read',
      'GET settings',
      'POST settings',
      'POST register',
      'GET read',
      'GET settings'
    ])
    expect(sim?.registerCalls(NEW_NUMBER).map(r => r.json)).toEqual([
      { messaging_product: 'whatsapp', pin: PIN }
    ])
    expect(outputs()).toMatchObject({
      success: 'true',
      result: 'registered',
      attempts: '1',
      'storage-region': 'DE'
    })
    expectSecretsSafe([TOKEN, PIN])
  })

  it('masks the data taken out of a backup-file envelope, not the envelope', async () => {
    const inputs = await startGraph()
    workspace = mkdtempSync(join(tmpdir(), 'main-test-'))
    process.env.GITHUB_WORKSPACE = workspace
    const fileText = JSON.stringify({ settings: { data: BACKUP_DATA } }, null, 2)
    writeFileSync(join(workspace, 'backup.json'), `${fileText}\n`)
    await runWith({
      ...inputs,
      'phone-number-id': MIGRATING,
      'backup-file': 'backup.json',
      'backup-password': BACKUP_PASSWORD
    })
    expect(core.setFailed).not.toHaveBeenCalled()
    expect(sim?.registerCalls()[0]?.json).toMatchObject({ backup: { data: BACKUP_DATA } })
    expect(outputs().result).toBe('registered')
    // The backup response around the data is public shape: only the data is a secret.
    expectSecretsSafe([TOKEN, PIN, BACKUP_PASSWORD, BACKUP_DATA])
  })

  it('masks the data taken out of an envelope given in backup-data, not the envelope', async () => {
    const inputs = await startGraph()
    const envelope = JSON.stringify({ settings: { data: BACKUP_DATA } })
    await runWith({
      ...inputs,
      'phone-number-id': MIGRATING,
      'backup-data': envelope,
      'backup-password': BACKUP_PASSWORD
    })
    expect(outputs().result).toBe('registered')
    expectSecretsSafe([TOKEN, PIN, BACKUP_PASSWORD, BACKUP_DATA])
  })

  it('retries a transient failure and succeeds', async () => {
    const inputs = await startGraph({
      register: [{ kind: 'graph-error', status: 503, code: 133004, isTransient: true }]
    })
    await runWith({ ...inputs, 'phone-number-id': NEW_NUMBER })
    expect(registerCalls()).toBe(2)
    expect(outputs()).toMatchObject({ success: 'true', result: 'registered', attempts: '2' })
  })

  it('settles a connection reset after the call went through by reading the number', async () => {
    const inputs = await startGraph({ register: [{ kind: 'reset-after' }] })
    await runWith({ ...inputs, 'phone-number-id': NEW_NUMBER, retries: '5' })
    expect(registerCalls()).toBe(1)
    expect(sim?.requests.map(r => r.route)).toEqual(['read', 'settings', 'register', 'read'])
    expect(outputs()).toMatchObject({
      success: 'true',
      result: 'registered',
      attempts: '1',
      'platform-type': 'CLOUD_API'
    })
  })

  it('settles a timed-out call by reading the number', async () => {
    const inputs = await startGraph({ register: [{ kind: 'process-then-hang' }] })
    await runWith({ ...inputs, 'phone-number-id': NEW_NUMBER, 'timeout-seconds': '1' })
    expect(registerCalls()).toBe(1)
    expect(outputs()).toMatchObject({ success: 'true', result: 'registered', attempts: '1' })
    expect(core.warning).toHaveBeenCalledWith(expect.stringMatching(/^timeout-seconds is 1:/))
  })

  it('reads again with the core fields once, on a Graph version without the extra ones', async () => {
    const inputs = await startGraph({ simulator: { unknownFields: ['is_on_biz_app'] } })
    await runWith({ ...inputs, 'phone-number-id': NEW_NUMBER })
    // The post-check keeps to the fields this Graph version accepts: no second rejected read.
    expect(sim?.requests.map(r => r.route)).toEqual([
      'read',
      'read',
      'settings',
      'register',
      'read'
    ])
    expect(outputs()).toMatchObject({ result: 'registered', 'platform-type': 'CLOUD_API' })
  })

  it("sends the exact user agent on every request, even with a runner's orchestration id", async () => {
    const inputs = await startGraph()
    process.env.ACTIONS_ORCHESTRATION_ID = 'orchestration-123'
    try {
      await runWith({ ...inputs, 'phone-number-id': NEW_NUMBER })
    } finally {
      delete process.env.ACTIONS_ORCHESTRATION_ID
    }
    expect(sim?.requests).toHaveLength(4)
    for (const request of sim?.requests ?? []) {
      expect(request.headers['user-agent']).toBe(USER_AGENT)
      expect(request.headers.authorization).toBe(`Bearer ${TOKEN}`)
    }
  })

  it('warns once about the Graph API version', async () => {
    const inputs = await startGraph({ simulator: { versionWarning: 'v19.0 is deprecated' } })
    await runWith({ ...inputs, 'phone-number-id': NEW_NUMBER })
    expect(core.warning.mock.calls).toEqual([['Graph API version warning: v19.0 is deprecated']])
  })
})

describe('run: no register call', () => {
  it('leaves an already-registered number alone', async () => {
    const inputs = await startGraph()
    await runWith({ ...inputs, 'phone-number-id': REGISTERED })
    expect(registerCalls()).toBe(0)
    expect(sim?.requests.map(r => r.route)).toEqual(['read', 'settings'])
    expect(core.setFailed).not.toHaveBeenCalled()
    expect(outputs()).toEqual({
      success: 'true',
      result: 'already-registered',
      'phone-number-id': REGISTERED,
      'display-phone-number': '+1 555-0103',
      'verified-name': 'Acme Cloud',
      'platform-type': 'CLOUD_API',
      'phone-number-status': 'CONNECTED',
      attempts: '0',
      'name-status': 'APPROVED',
      'throughput-level': 'STANDARD',
      'storage-region': '',
      number: expect.stringContaining('"storage_configuration":{"status":"default"}'),
      'number-before': expect.stringContaining('"platform_type":"CLOUD_API"')
    })
  })

  it('dry-runs a migration: reads even without preflight, and names fields, never values', async () => {
    const inputs = await startGraph()
    process.env.GITHUB_STEP_SUMMARY = '/dev/null'
    await runWith({
      ...inputs,
      'phone-number-id': MIGRATING,
      'backup-data': BACKUP_DATA,
      'backup-password': BACKUP_PASSWORD,
      'dry-run': 'true',
      preflight: 'false'
    })
    expect(registerCalls()).toBe(0)
    expect(sim?.requests.map(r => r.route)).toEqual(['read', 'settings'])
    expect(core.setFailed).not.toHaveBeenCalled()
    expect(outputs()).toMatchObject({ success: 'true', result: 'dry-run', attempts: '0' })
    const planned = `/v26.0/${MIGRATING}/register with messaging_product, pin, backup.data, backup.password`
    expect(core.info).toHaveBeenCalledWith(expect.stringContaining(planned))
    expect(core.summary.text()).toContain(planned)
    expectSecretsSafe([TOKEN, PIN, BACKUP_DATA, BACKUP_PASSWORD])
  })

  it('dry-runs a registered number: a real run would send nothing', async () => {
    const inputs = await startGraph()
    await runWith({ ...inputs, 'phone-number-id': REGISTERED, 'dry-run': 'true' })
    expect(registerCalls()).toBe(0)
    expect(outputs().result).toBe('dry-run')
    expect(core.info).toHaveBeenCalledWith(
      expect.stringContaining('A real run would send: Nothing')
    )
  })

  it('stops on a bad token at the pre-flight read', async () => {
    const inputs = await startGraph()
    await runWith({
      ...inputs,
      'access-token': 'EAAGwrongTokenValue123',
      'phone-number-id': NEW_NUMBER
    })
    expect(registerCalls()).toBe(0)
    expect(core.setFailed).toHaveBeenCalledTimes(1)
    expect(core.setFailed.mock.calls[0]?.[0]).toMatch(
      /^Pre-flight read of the number failed \(no register call was made\): HTTP 401, Graph error \(code 190\)/
    )
    expect(outputs()).toMatchObject({
      success: 'false',
      result: 'failed',
      attempts: '0',
      'http-status': '401',
      'error-code': '190',
      'fbtrace-id': expect.any(String)
    })
  })

  it('stops on an unknown id at the pre-flight read', async () => {
    const inputs = await startGraph()
    await runWith({ ...inputs, 'phone-number-id': '999' })
    expect(registerCalls()).toBe(0)
    expect(outputs()).toMatchObject({ 'error-code': '100', 'error-subcode': '33' })
    expect(core.setFailed.mock.calls[0]?.[0]).toContain('Check phone-number-id')
  })

  it('fails on bad inputs listing every problem, before any request', async () => {
    const inputs = await startGraph()
    await runWith({
      ...inputs,
      'phone-number-id': '+15550100',
      pin: '1234',
      retries: '20',
      preflight: 'yes',
      'backup-password': BACKUP_PASSWORD
    })
    expect(sim?.requests).toHaveLength(0)
    expect(core.setFailed).toHaveBeenCalledTimes(1)
    const message = core.setFailed.mock.calls[0]?.[0]
    expect(message).toMatch(/^Invalid inputs:\n/)
    for (const input of ['phone-number-id', 'pin', 'retries', 'preflight', 'backup-password'])
      expect(message).toMatch(new RegExp(`^- ${input}: `, 'm'))
    expect(outputs()).toEqual({
      success: 'false',
      result: 'failed',
      attempts: '0',
      'error-message': message
    })
    expectSecretsSafe([TOKEN, '1234', BACKUP_PASSWORD])
  })

  it('refuses plain http to a remote host before any request', async () => {
    const inputs = await startGraph()
    await runWith({
      ...inputs,
      'phone-number-id': NEW_NUMBER,
      'graph-api-url': 'http://graph.example.com'
    })
    expect(sim?.requests).toHaveLength(0)
    expect(core.setFailed.mock.calls[0]?.[0]).toMatch(/^- graph-api-url: /m)
  })
})

describe('run: failures', () => {
  it('does not retry a PIN mismatch and explains it', async () => {
    const inputs = await startGraph()
    await runWith({
      ...inputs,
      'phone-number-id': MIGRATING,
      pin: '999999',
      'backup-data': BACKUP_DATA,
      'backup-password': BACKUP_PASSWORD,
      retries: '10'
    })
    expect(registerCalls()).toBe(1)
    const message = core.setFailed.mock.calls[0]?.[0] as string
    expect(message).toMatch(/^Register failed: HTTP 400, Graph error \(code 133005\)/)
    expect(message).toContain('What to do: Use the PIN set on the number')
    expect(message).toMatch(/fbtrace_id: [\w-]{23} \(give it to Meta support\)/)
    expect(outputs()).toMatchObject({
      success: 'false',
      result: 'failed',
      attempts: '1',
      'http-status': '400',
      'error-code': '133005',
      'platform-type': 'ON_PREMISE'
    })
    expect(outputs().response).toContain('"code":133005')
  })

  it('does not retry throttling marked transient', async () => {
    const inputs = await startGraph({
      register: [
        {
          kind: 'graph-error',
          status: 429,
          code: 4,
          isTransient: true,
          headers: { 'retry-after': '1' }
        }
      ]
    })
    await runWith({ ...inputs, 'phone-number-id': NEW_NUMBER, retries: '10' })
    expect(registerCalls()).toBe(1)
    expect(outputs()).toMatchObject({ result: 'failed', 'error-code': '4', attempts: '1' })
  })

  it('makes at most 1 + retries register calls', async () => {
    const busy: Fault = { kind: 'graph-error', status: 503, code: 133004, isTransient: true }
    const inputs = await startGraph({ register: Array.from({ length: 5 }, () => busy) })
    await runWith({ ...inputs, 'phone-number-id': NEW_NUMBER, retries: '2' })
    expect(registerCalls()).toBe(3)
    expect(outputs()).toMatchObject({ result: 'failed', attempts: '3', 'error-code': '133004' })
    expect(core.setFailed.mock.calls[0]?.[0]).toContain('no attempts left (3 of 3 made)')
  })

  it('stops without registering blind when an uncertain call cannot be settled', async () => {
    const inputs = await startGraph({
      register: [{ kind: 'respond', status: 502, body: '<html>Bad Gateway</html>' }],
      read: [
        { kind: 'delay', ms: 0 },
        { kind: 'graph-error', status: 400, code: 100, subcode: 33 }
      ]
    })
    await runWith({
      ...inputs,
      'phone-number-id': NEW_NUMBER,
      retries: '5',
      'settle-seconds': '0'
    })
    expect(registerCalls()).toBe(1)
    const message = core.setFailed.mock.calls[0]?.[0] as string
    expect(message).toMatch(/^The outcome of the register call is uncertain: HTTP 502/)
    expect(message).toContain('the number could not be read')
    expect(outputs()).toMatchObject({ result: 'uncertain', attempts: '1', 'http-status': '502' })
    // The state read before the call is not the number's state now.
    expect(outputs()).not.toHaveProperty('platform-type')
  })

  it('redacts secrets that the server echoes, in the failure, the outputs and the summary', async () => {
    const echo = `(#100) Invalid backup ${BACKUP_DATA} with password ${BACKUP_PASSWORD}, token ${TOKEN}`
    const inputs = await startGraph({
      register: [{ kind: 'graph-error', status: 400, code: 100, message: echo }]
    })
    process.env.GITHUB_STEP_SUMMARY = '/dev/null'
    await runWith({
      ...inputs,
      'phone-number-id': MIGRATING,
      'backup-data': BACKUP_DATA,
      'backup-password': BACKUP_PASSWORD
    })
    expect(core.setFailed).toHaveBeenCalledTimes(1)
    expect(core.setFailed.mock.calls[0]?.[0]).toContain('(#100) Invalid backup ***')
    expect(outputs()['error-message']).toContain('with password ***, token ***')
    expect(core.summary.text()).toContain('What went wrong')
    expectSecretsSafe([TOKEN, PIN, BACKUP_DATA, BACKUP_PASSWORD])
  })

  it('refuses a number used in the WhatsApp Business app before calling register', async () => {
    const inputs = await startGraph({
      simulator: { numbers: [{ ...NEW_NUMBER_STATE, isOnBizApp: true }] }
    })
    await runWith({ ...inputs, 'phone-number-id': NEW_NUMBER })
    expect(registerCalls()).toBe(0)
    expect(core.setFailed.mock.calls[0]?.[0]).toMatch(/WhatsApp Business app \(coexistence\)/)
  })

  it('redacts the platform read after registering before warning about it', async () => {
    const echoed = JSON.stringify({
      id: NEW_NUMBER,
      platform_type: `ON_PREMISE ${TOKEN}`,
      status: 'CONNECTED'
    })
    const inputs = await startGraph({
      read: [
        { kind: 'delay', ms: 0 },
        { kind: 'respond', status: 200, body: echoed }
      ]
    })
    process.env.GITHUB_STEP_SUMMARY = '/dev/null'
    await runWith({ ...inputs, 'phone-number-id': NEW_NUMBER })
    expect(outputs()).toMatchObject({ result: 'registered', 'platform-type': 'ON_PREMISE ***' })
    expect(core.warning).toHaveBeenCalledWith(
      expect.stringMatching(/^Registered, but the number reports platform ON_PREMISE \*\*\*:/)
    )
    expect(core.summary.text()).toContain('reports platform ON_PREMISE ***')
    expectSecretsSafe([TOKEN, PIN])
  })

  it('only warns when the read after a successful register fails', async () => {
    const inputs = await startGraph({
      read: [
        { kind: 'delay', ms: 0 },
        { kind: 'graph-error', status: 500, code: 1, isTransient: true }
      ]
    })
    await runWith({ ...inputs, 'phone-number-id': NEW_NUMBER })
    expect(sim?.requests.map(r => r.route)).toEqual(['read', 'settings', 'register', 'read'])
    expect(core.setFailed).not.toHaveBeenCalled()
    expect(outputs()).toMatchObject({ success: 'true', result: 'registered', attempts: '1' })
    expect(core.warning).toHaveBeenCalledWith(
      expect.stringMatching(/^Registered, but reading the number afterwards failed: HTTP 500/)
    )
  })

  it('warns before registering a number whose display name is in review', async () => {
    const inputs = await startGraph({
      simulator: { numbers: [{ ...NEW_NUMBER_STATE, nameStatus: 'PENDING_REVIEW' }] }
    })
    await runWith({ ...inputs, 'phone-number-id': NEW_NUMBER })
    expect(core.warning).toHaveBeenCalledWith(expect.stringContaining('name_status PENDING_REVIEW'))
    expect(registerCalls()).toBe(1)
  })

  it('writes no summary without GITHUB_STEP_SUMMARY', async () => {
    const inputs = await startGraph()
    await runWith({ ...inputs, 'phone-number-id': REGISTERED })
    expect(core.summary.write).not.toHaveBeenCalled()
  })
})

describe('run: receiving messages', () => {
  const WABA_ID = '4444444444444444'
  const VERIFY_TOKEN = 'vt-Zq9Lm4Wx7Kp2'
  const CALLBACK = 'https://bot.example.com/hook'
  const wired = (number: SimNumber): SimNumber => ({ ...number, wabaId: WABA_ID })
  const simulator: Partial<GraphSimulatorOptions> = {
    numbers: NUMBERS.map(wired),
    wabas: [{ id: WABA_ID, subscribedApps: [] }]
  }

  it('wires a number after registering it, the verify token masked and never shown', async () => {
    const inputs = await startGraph({ simulator })
    process.env.GITHUB_STEP_SUMMARY = '/dev/null'
    await runWith({
      ...inputs,
      'phone-number-id': NEW_NUMBER,
      'waba-id': WABA_ID,
      'callback-url': CALLBACK,
      'verify-token': VERIFY_TOKEN
    })
    expect(core.setFailed).not.toHaveBeenCalled()
    expect(sim?.requests.map(r => `${r.method} ${r.route}`)).toEqual([
      'GET read',
      'GET settings',
      'POST register',
      'GET read',
      'GET app',
      'GET subscribed_apps',
      'POST subscribed_apps',
      'GET subscribed_apps',
      'GET read',
      'POST webhook',
      'GET read'
    ])
    expect(outputs()).toMatchObject({
      success: 'true',
      result: 'registered',
      'app-subscribed': 'true',
      'webhook-url': CALLBACK
    })
    expect(core.summary.text()).toContain('Receiving messages')
    expectSecretsSafe([TOKEN, PIN, VERIFY_TOKEN])
  })

  it('makes no wiring call after a failed registration', async () => {
    const inputs = await startGraph({ simulator })
    await runWith({
      ...inputs,
      'phone-number-id': REGISTERED,
      pin: '135790',
      'skip-if-registered': 'false',
      'waba-id': WABA_ID,
      'callback-url': CALLBACK,
      'verify-token': VERIFY_TOKEN
    })
    expect(outputs()).toMatchObject({ success: 'false', result: 'failed', 'error-code': '133005' })
    expect(sim?.requests.map(r => r.route)).toEqual(['read', 'settings', 'register'])
    expect(outputs()).not.toHaveProperty('app-subscribed')
  })

  it('fails with result registered when the wiring fails, and says so once', async () => {
    const inputs = await startGraph({
      simulator: { ...simulator, permissions: { [TOKEN]: { deny: ['subscribed_apps'] } } }
    })
    await runWith({ ...inputs, 'phone-number-id': NEW_NUMBER, 'waba-id': WABA_ID })
    expect(registerCalls()).toBe(1)
    expect(outputs()).toMatchObject({ success: 'false', result: 'registered', attempts: '1' })
    expect(core.setFailed).toHaveBeenCalledTimes(1)
    expect(core.setFailed).toHaveBeenCalledWith(
      expect.stringMatching(/^The number is registered, but not wired to receive messages: /)
    )
  })
})
