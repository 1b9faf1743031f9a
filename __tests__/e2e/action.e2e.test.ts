/**
 * The committed bundle, run as the runner runs it, against the Graph simulator: one scenario per
 * outcome a person meets. Each asserts the exit code, the outputs, the exact register calls the
 * simulator received (the minimum the outcome needs: issue 6), the body it received, what the log
 * and the summary tell a person, and that no secret shows anywhere.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it as jestIt, jest } from '@jest/globals'
import { maskedValues, type ActionRun } from '../../sim/action-runner.js'
import { REGISTER_LIMIT } from '../../sim/graph-simulator.js'
import { USER_AGENT } from '../../src/constants.js'
import {
  API_VERSION,
  BACKUP_DATA,
  BACKUP_PASSWORD,
  CLOUD_ID,
  cloudNumber,
  infoLines,
  inputs,
  LEADING_ZERO_PIN,
  NEW_NUMBER_ID,
  newNumber,
  ON_PREMISE_ID,
  onPremiseNumber,
  OTHER_TOKEN,
  PIN,
  PREFLIGHT,
  routes,
  runChecked,
  startSimulator,
  stopSimulators,
  summaryRow,
  theFailure,
  TOKEN,
  traceRecorder,
  UNKNOWN_ID,
  WRONG_PIN,
  expectRegistered,
  hintLine
} from './action-scenario.js'

// Every scenario starts its own simulator: they run side by side (see action-scenario.ts).
const it = jestIt.concurrent

// A run that hangs is killed by the harness after 60 s at most.
jest.setTimeout(70_000)
afterAll(stopSimulators)

const SECRETS = [TOKEN, PIN, BACKUP_DATA, BACKUP_PASSWORD]
const MIGRATION = { 'backup-data': BACKUP_DATA, 'backup-password': BACKUP_PASSWORD }
/** A settle window short enough for a test, long enough to be read more than once. */
const SETTLE_SECONDS = 2

describe('migration from the On-Premises API', () => {
  it('registers with the backup in one call and reports the platform before and after', async () => {
    const { sim, url } = await startSimulator([onPremiseNumber()])

    const run = await runChecked(inputs(url, ON_PREMISE_ID, MIGRATION), SECRETS)

    expect(run.exitCode).toBe(0)
    expect(run.outputs).toMatchObject({
      success: 'true',
      result: 'registered',
      attempts: '1',
      'phone-number-id': ON_PREMISE_ID,
      'display-phone-number': '+1 555-0142',
      'verified-name': 'Harbour Lights Bakery',
      'platform-type': 'CLOUD_API',
      'phone-number-status': 'CONNECTED',
      'http-status': '200',
      response: '{"success":true}'
    })
    expect(run.outputs).not.toHaveProperty('error-message')
    expect(routes(sim.requests)).toEqual([...PREFLIGHT, 'register', 'read'])
    const [register] = sim.registerCalls()
    expect(register.path).toBe(`/${API_VERSION}/${ON_PREMISE_ID}/register`)
    expect(register.json).toEqual({
      messaging_product: 'whatsapp',
      pin: PIN,
      backup: { data: BACKUP_DATA, password: BACKUP_PASSWORD }
    })
    for (const request of sim.requests) {
      expect(request.headers.authorization).toBe(`Bearer ${TOKEN}`)
      expect(request.headers['user-agent']).toBe(USER_AGENT)
    }
    expect(register.headers['content-type']).toBe('application/json')
    expect(sim.number(ON_PREMISE_ID)).toMatchObject({ platformType: 'CLOUD_API', pin: PIN })

    expect(infoLines(run)).toEqual(
      expect.arrayContaining([
        `Phone number ${ON_PREMISE_ID}: migration with the backup from backup-data, Graph API ${API_VERSION}.`,
        expect.stringMatching(
          /^Before: \+1 555-0142 \(Harbour Lights Bakery\), platform ON_PREMISE/
        ),
        'Registered after 1 register call.',
        expect.stringMatching(/^After: \+1 555-0142 .*platform CLOUD_API, status CONNECTED/)
      ])
    )
    expect(summaryRow(run, 'Platform before')).toBe('ON_PREMISE (CONNECTED)')
    expect(summaryRow(run, 'Platform after')).toBe('CLOUD_API (CONNECTED)')
    expect(summaryRow(run, 'Result')).toBe('✅ registered')
    expect(summaryRow(run, 'Register calls')).toBe('1')
    expect(summaryRow(run, 'fbtrace_id')).toBe(run.outputs['fbtrace-id'])
    expect(run.outputs['fbtrace-id']).toMatch(/^[A-Za-z0-9_-]{23}$/)
  })

  it('sends a multi-line backup byte for byte and keeps every line out of the log', async () => {
    const backup =
      'UXVheXNpZGVCYWNrdXBMaW5lMQ\nTGluZVR3b19WZXJ5U2VjcmV0\r\nVGhpcmRMaW5lX0VuZE9mRGF0YQ'
    const { sim, url } = await startSimulator([
      onPremiseNumber({ data: backup, password: BACKUP_PASSWORD })
    ])

    const run = await runChecked(
      inputs(url, ON_PREMISE_ID, { 'backup-data': backup, 'backup-password': BACKUP_PASSWORD }),
      [TOKEN, PIN, backup, BACKUP_PASSWORD]
    )

    expect(run.exitCode).toBe(0)
    expect(run.outputs).toMatchObject({ result: 'registered', attempts: '1' })
    const [register] = sim.registerCalls()
    expect(register.body).toContain(`"data":${JSON.stringify(backup)}`)
    expect((register.json as { backup: { data: string } }).backup.data).toBe(backup)
    expect(routes(sim.requests)).toEqual([...PREFLIGHT, 'register', 'read'])
  })

  it('redacts each line of a multi-line backup that Meta quotes back in an error', async () => {
    const lines = [
      'UXVheXNpZGVCYWNrdXBMaW5lMQ',
      'TGluZVR3b19WZXJ5U2VjcmV0',
      'VGhpcmRMaW5lX0VuZE9mRGF0YQ'
    ]
    const backup = lines.join('\r\n')
    const { sim, url } = await startSimulator([
      onPremiseNumber({ data: backup, password: BACKUP_PASSWORD })
    ])
    sim.script('register', [
      {
        kind: 'graph-error',
        status: 400,
        code: 100,
        message: `(#100) Invalid backup: unexpected "${lines[1]}" after "${lines[0]}" in ${lines[2]}`
      }
    ])

    const run = await runChecked(
      inputs(url, ON_PREMISE_ID, { 'backup-data': backup, 'backup-password': BACKUP_PASSWORD }),
      [TOKEN, PIN, backup, BACKUP_PASSWORD]
    )

    expect(run.exitCode).toBe(1)
    expect(run.outputs).toMatchObject({ result: 'failed', attempts: '1', 'error-code': '100' })
    expect(sim.registerCalls()).toHaveLength(1)
    expect(theFailure(run)).toContain('(#100) Invalid backup: unexpected "***" after "***" in ***')
    // The response output is Meta's body with the same lines redacted (leaks are checked above).
    expect(run.outputs.response).toMatch(
      /^\{"error":\{"message":"\(#100\) Invalid backup: unexpected .*\*\*\*/
    )
  })

  it('reads a backup-file envelope relative to the workspace and sends the data inside', async () => {
    const workspace = await mkdtemp(join(tmpdir(), 'action-e2e-workspace-'))
    try {
      const data = 'T25QcmVtQmFja3VwRW52ZWxvcGVEYXRhX3E5WnQ0'
      const envelope = JSON.stringify({ settings: { data } })
      const contents = `${envelope}\n`
      await mkdir(join(workspace, 'backups'))
      await writeFile(join(workspace, 'backups', 'onprem-backup.json'), contents)
      const { sim, url } = await startSimulator([
        onPremiseNumber({ data, password: BACKUP_PASSWORD })
      ])

      // The working directory is another folder: the path must be taken from the workspace.
      const run = await runChecked(
        inputs(url, ON_PREMISE_ID, {
          'backup-file': 'backups/onprem-backup.json',
          'backup-password': BACKUP_PASSWORD
        }),
        [TOKEN, PIN, data, BACKUP_PASSWORD],
        { env: { GITHUB_WORKSPACE: workspace } }
      )
      // The secret is the data sent; the JSON around it is public shape and is not masked.
      expect(maskedValues(run.stdout)).not.toContain(envelope)

      expect(run.exitCode).toBe(0)
      expect(run.outputs).toMatchObject({
        result: 'registered',
        attempts: '1',
        'platform-type': 'CLOUD_API'
      })
      expect(sim.registerCalls().map(call => call.json)).toEqual([
        { messaging_product: 'whatsapp', pin: PIN, backup: { data, password: BACKUP_PASSWORD } }
      ])
      expect(infoLines(run)).toContain(
        `Phone number ${ON_PREMISE_ID}: migration with the backup from backup-file, Graph API ${API_VERSION}.`
      )
    } finally {
      await rm(workspace, { recursive: true, force: true })
    }
  })
})

describe('registration without a backup', () => {
  it('sends no backup object', async () => {
    const { sim, url } = await startSimulator([newNumber()])

    const run = await runChecked(inputs(url, NEW_NUMBER_ID), [TOKEN, PIN])

    expectRegistered(run, 1)
    expect(routes(sim.requests)).toEqual([...PREFLIGHT, 'register', 'read'])
    const [register] = sim.registerCalls()
    expect(register.json).toEqual({ messaging_product: 'whatsapp', pin: PIN })
    expect(register.body).not.toContain('backup')
    expect(sim.number(NEW_NUMBER_ID)).toMatchObject({ platformType: 'CLOUD_API', pin: PIN })
    expect(infoLines(run)).toContain(
      `Phone number ${NEW_NUMBER_ID}: registration without backup, Graph API ${API_VERSION}.`
    )
    expect(summaryRow(run, 'Platform before')).toBe('NOT_APPLICABLE (PENDING)')
    expect(summaryRow(run, 'Platform after')).toBe('CLOUD_API (CONNECTED)')
  })

  it('sends a PIN with leading zeros as the JSON string "004217"', async () => {
    const { sim, url } = await startSimulator([{ ...newNumber(), pin: LEADING_ZERO_PIN }])

    const run = await runChecked(inputs(url, NEW_NUMBER_ID, { pin: LEADING_ZERO_PIN }), [
      TOKEN,
      LEADING_ZERO_PIN
    ])

    expect(run.exitCode).toBe(0)
    expect(run.outputs).toMatchObject({ result: 'registered', attempts: '1' })
    const [register] = sim.registerCalls()
    expect(register.body).toContain('"pin":"004217"')
    expect(register.json).toEqual({ messaging_product: 'whatsapp', pin: '004217' })
  })
})

describe('a number already on the Cloud API', () => {
  it('is left alone: success without a register call', async () => {
    const { sim, url } = await startSimulator([cloudNumber()])

    const run = await runChecked(inputs(url, CLOUD_ID), [TOKEN, PIN])

    expect(run.exitCode).toBe(0)
    expect(run.outputs).toMatchObject({
      success: 'true',
      result: 'already-registered',
      attempts: '0',
      'platform-type': 'CLOUD_API',
      'phone-number-status': 'CONNECTED'
    })
    expect(run.outputs).not.toHaveProperty('response')
    expect(routes(sim.requests)).toEqual([...PREFLIGHT])
    expect(infoLines(run)).toContainEqual(
      expect.stringMatching(/already on CLOUD_API and CONNECTED: nothing to do/)
    )
    expect(summaryRow(run, 'Result')).toBe('✅ already registered (no register call)')
    expect(summaryRow(run, 'Register calls')).toBe('0')
    expect(summaryRow(run, 'Platform before')).toBe('CLOUD_API (CONNECTED)')
  })

  it('is registered again, once, with skip-if-registered false', async () => {
    const { sim, url } = await startSimulator([cloudNumber()])

    const run = await runChecked(inputs(url, CLOUD_ID, { 'skip-if-registered': 'false' }), [
      TOKEN,
      PIN
    ])

    expect(run.exitCode).toBe(0)
    expect(run.outputs).toMatchObject({ result: 'registered', attempts: '1' })
    expect(routes(sim.requests)).toEqual([...PREFLIGHT, 'register', 'read'])
    expect(sim.registerCalls()[0].json).toEqual({ messaging_product: 'whatsapp', pin: PIN })
  })
})

describe('dry run', () => {
  it('reads the number, never registers, and names the fields it would send', async () => {
    const { sim, url } = await startSimulator([onPremiseNumber()])

    const run = await runChecked(
      inputs(url, ON_PREMISE_ID, { ...MIGRATION, 'dry-run': 'true' }),
      SECRETS
    )

    expect(run.exitCode).toBe(0)
    expect(run.outputs).toMatchObject({
      success: 'true',
      result: 'dry-run',
      attempts: '0',
      'platform-type': 'ON_PREMISE'
    })
    expect(routes(sim.requests)).toEqual([...PREFLIGHT])
    expect(sim.number(ON_PREMISE_ID).platformType).toBe('ON_PREMISE')
    const planned = `POST ${url}/${API_VERSION}/${ON_PREMISE_ID}/register with messaging_product, pin, backup.data, backup.password`
    expect(run.summary).toContain('<h3>What a real run would send</h3>')
    expect(run.summary).toContain(`<pre><code>${planned}</code></pre>`)
    expect(summaryRow(run, 'Result')).toBe('🧪 dry run (no register call)')
    expect(infoLines(run)).toContain(`Dry run: no register call. A real run would send: ${planned}`)
  })

  it('reads the number even with preflight false', async () => {
    const { sim, url } = await startSimulator([newNumber()])

    const run = await runChecked(
      inputs(url, NEW_NUMBER_ID, { 'dry-run': 'true', preflight: 'false' }),
      [TOKEN, PIN]
    )

    expect(run.exitCode).toBe(0)
    expect(run.outputs).toMatchObject({
      result: 'dry-run',
      attempts: '0',
      'platform-type': 'NOT_APPLICABLE'
    })
    expect(routes(sim.requests)).toEqual([...PREFLIGHT])
    expect(run.summary).toContain(
      `POST ${url}/${API_VERSION}/${NEW_NUMBER_ID}/register with messaging_product, pin</code>`
    )
  })
})

describe('errors that are never retried', () => {
  it('stops after a PIN mismatch: one call, the hint, and the trace id Meta sent', async () => {
    const { sim, url: simUrl } = await startSimulator([onPremiseNumber()])
    const proxy = await traceRecorder(simUrl)

    const run = await runChecked(
      inputs(proxy.url, ON_PREMISE_ID, { ...MIGRATION, pin: WRONG_PIN }),
      [TOKEN, WRONG_PIN, BACKUP_DATA, BACKUP_PASSWORD]
    )

    expect(run.exitCode).toBe(1)
    expect(routes(sim.requests)).toEqual([...PREFLIGHT, 'register'])
    // One trace id per response, in the order of the requests: the last is the register call's.
    expect(proxy.traceIds).toHaveLength(sim.requests.length)
    const registerTrace = proxy.traceIds.at(-1)
    expect(run.outputs).toMatchObject({
      success: 'false',
      result: 'failed',
      attempts: '1',
      'http-status': '400',
      'error-code': '133005',
      'fbtrace-id': registerTrace,
      'platform-type': 'ON_PREMISE'
    })
    expect(run.outputs).not.toHaveProperty('error-subcode')
    const failure = theFailure(run)
    expect(failure).toMatch(
      /^Register failed: HTTP 400, Graph error \(code 133005\): Two step verification PIN Mismatch\n/
    )
    expectNotRetried(run, failure)
    expect(failure).toContain(hintLine(133005))
    expect(failure).toContain(`fbtrace_id: ${registerTrace} (give it to Meta support)`)
    expect(summaryRow(run, 'Result')).toBe('❌ failed')
    expect(summaryRow(run, 'fbtrace_id')).toBe(registerTrace)
    expect(run.summary).toContain('<h3>What went wrong</h3>')
    expect(run.summary).toContain(hintLine(133005))
    expect(sim.number(ON_PREMISE_ID)).toMatchObject({ platformType: 'ON_PREMISE', pin: PIN })
  })

  it('stops at the 72-hour register limit (133016) with one call', async () => {
    const { sim, url } = await startSimulator([onPremiseNumber()])
    // Spend the number's budget the way earlier runs would have.
    for (let i = 0; i < REGISTER_LIMIT; i++) {
      const response = await fetch(`${url}/${API_VERSION}/${ON_PREMISE_ID}/register`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: '{}'
      })
      expect(response.status).toBe(400)
      await response.text()
    }
    const spent = sim.requests.length

    const run = await runChecked(inputs(url, ON_PREMISE_ID, MIGRATION), SECRETS)

    expect(run.exitCode).toBe(1)
    expect(routes(sim.requests.slice(spent))).toEqual([...PREFLIGHT, 'register'])
    expect(sim.registerCalls()).toHaveLength(REGISTER_LIMIT + 1)
    expect(run.outputs).toMatchObject({
      result: 'failed',
      attempts: '1',
      'error-code': '133016',
      'http-status': '400'
    })
    const failure = theFailure(run)
    expect(failure).toContain('Graph error (code 133016): Rate limit exceeded')
    expectNotRetried(run, failure)
    expect(failure).toContain(hintLine(133016))
  })

  it('does not retry a rate limit (code 4) that Meta marks transient', async () => {
    const { sim, url } = await startSimulator([onPremiseNumber()])
    sim.script('register', [
      {
        kind: 'graph-error',
        status: 400,
        code: 4,
        message: '(#4) Application request limit reached',
        isTransient: true
      }
    ])

    const run = await runChecked(inputs(url, ON_PREMISE_ID, MIGRATION), SECRETS)

    expect(run.exitCode).toBe(1)
    expect(routes(sim.requests)).toEqual([...PREFLIGHT, 'register'])
    expect(run.outputs).toMatchObject({ result: 'failed', attempts: '1', 'error-code': '4' })
    const failure = theFailure(run)
    expect(failure).toContain('Graph error (code 4): (#4) Application request limit reached')
    // Two attempts were left (retries 2): is_transient does not override the never-retry list.
    expectNotRetried(run, failure)
    expect(failure).toContain(hintLine(4))
  })
})

describe('transient failures', () => {
  it('reads the number after a 503 without a Graph body until the settle window has passed, then retries once and succeeds', async () => {
    const { sim, url } = await startSimulator([onPremiseNumber()])
    sim.script('register', [
      {
        kind: 'respond',
        status: 503,
        body: '<html><body><h1>503 Service Unavailable</h1></body></html>',
        headers: { 'content-type': 'text/html' }
      }
    ])

    const run = await runChecked(
      inputs(url, ON_PREMISE_ID, { ...MIGRATION, 'settle-seconds': String(SETTLE_SECONDS) }),
      SECRETS
    )

    expect(run.exitCode).toBe(0)
    expect(run.outputs).toMatchObject({
      success: 'true',
      result: 'registered',
      attempts: '2',
      'http-status': '200',
      'platform-type': 'CLOUD_API'
    })
    // The 503 leaves the outcome uncertain. The number answers "not registered" at once, yet the
    // action keeps reading until the settle window has passed (a retry right after the first read
    // would leave one read here), and only then sends the one retry.
    const shape = routes(sim.requests)
    expect(shape.slice(0, PREFLIGHT.length + 1)).toEqual([...PREFLIGHT, 'register'])
    expect(shape.slice(-2)).toEqual(['register', 'read'])
    const settleReads = shape.slice(PREFLIGHT.length + 1, -2)
    expect(settleReads.length).toBeGreaterThanOrEqual(2)
    expect(new Set(settleReads)).toEqual(new Set(['read']))
    const [first, second] = sim.registerCalls()
    expect(second.body).toBe(first.body)
    expect(infoLines(run)).toContainEqual(
      expect.stringMatching(
        new RegExp(`register call is uncertain: reading the number .* ${SETTLE_SECONDS} s`)
      )
    )
    expectRetryLine(infoLines(run), 'HTTP 503')
    expect(infoLines(run)).toContain('Registered after 2 register calls.')
    expect(summaryRow(run, 'Register calls')).toBe('2')
  })

  it('retries a temporarily unavailable server (133004) once and succeeds', async () => {
    const { sim, url } = await startSimulator([newNumber()])
    sim.script('register', [
      {
        kind: 'graph-error',
        status: 503,
        code: 133004,
        message: 'Server Temporarily Unavailable',
        details: 'Please try again in a few seconds'
      }
    ])

    const run = await runChecked(inputs(url, NEW_NUMBER_ID), [TOKEN, PIN])

    expect(run.exitCode).toBe(0)
    expect(run.outputs).toMatchObject({ result: 'registered', attempts: '2' })
    expect(routes(sim.requests)).toEqual([...PREFLIGHT, 'register', 'register', 'read'])
    expect(sim.registerCalls().map(call => call.json)).toEqual([
      { messaging_product: 'whatsapp', pin: PIN },
      { messaging_product: 'whatsapp', pin: PIN }
    ])
    // Meta's error says the call was not carried out: no read before the retry.
    expectRetryLine(infoLines(run), 'code 133004')
  })
})

describe('pre-flight problems stop before any register call', () => {
  it('a bad token (190)', async () => {
    const { sim, url } = await startSimulator([onPremiseNumber()])

    const run = await runChecked(
      inputs(url, ON_PREMISE_ID, { ...MIGRATION, 'access-token': OTHER_TOKEN }),
      [OTHER_TOKEN, PIN, BACKUP_DATA, BACKUP_PASSWORD]
    )

    expect(run.exitCode).toBe(1)
    expect(routes(sim.requests)).toEqual(['read'])
    expect(run.outputs).toMatchObject({
      success: 'false',
      result: 'failed',
      attempts: '0',
      'http-status': '401',
      'error-code': '190'
    })
    expect(run.outputs['fbtrace-id']).toMatch(/^[A-Za-z0-9_-]{23}$/)
    const failure = theFailure(run)
    expect(failure).toMatch(
      /^Pre-flight read of the number failed \(no register call was made\): HTTP 401, Graph error \(code 190\): Invalid OAuth access token/
    )
    expect(failure).toContain(hintLine(190))
    expect(failure).toContain(`fbtrace_id: ${run.outputs['fbtrace-id']}`)
  })

  it('an unknown phone-number-id (100, subcode 33)', async () => {
    const { sim, url } = await startSimulator([onPremiseNumber()])

    const run = await runChecked(inputs(url, UNKNOWN_ID, MIGRATION), SECRETS)

    expect(run.exitCode).toBe(1)
    expect(routes(sim.requests)).toEqual(['read'])
    expect(run.outputs).toMatchObject({
      result: 'failed',
      attempts: '0',
      'phone-number-id': UNKNOWN_ID,
      'http-status': '400',
      'error-code': '100',
      'error-subcode': '33'
    })
    const failure = theFailure(run)
    expect(failure).toContain('Pre-flight read of the number failed (no register call was made)')
    expect(failure).toContain(`Object with ID '${UNKNOWN_ID}' does not exist`)
    expect(failure).toContain(hintLine(100, 33))
  })
})

/** The log lines that announce a register retry. */
function retryLines(lines: string[]): string[] {
  return lines.filter(line => line.startsWith('Register attempt'))
}

/** Failed with one register call and no retry, though attempts were left, and says so. */
function expectNotRetried(run: ActionRun, failure: string): void {
  expect(failure).toContain('Not retried: ')
  expect(failure).not.toContain('no attempts left')
  expect(failure).toContain('(1 register call made)')
  expect(retryLines(infoLines(run))).toEqual([])
}

/** The log line of the one retry: attempt 2 of 3 (default retries 2), after the first backoff. */
function expectRetryLine(lines: string[], cause: string): void {
  const pattern = new RegExp(
    `^Register attempt 2 of 3 in ([0-9]+\\.[0-9]) s: ${cause} .*backing off`
  )
  const retries = retryLines(lines)
  expect(retries).toEqual([expect.stringMatching(pattern)])
  // The first backoff is 0.5–1 s (README, "How it decides"), as logged: not a measured time.
  const seconds = Number(pattern.exec(retries[0])?.[1])
  expect(seconds).toBeGreaterThanOrEqual(0.5)
  expect(seconds).toBeLessThanOrEqual(1)
}
