/**
 * The README's promises against a Graph that behaves like the real one (issue 10): a slow backend
 * behind a gateway that gives up, reads that prove nothing, hostile server text, secrets echoed in
 * `\uXXXX` form, exact secrets, large and UTF-16 backup files, cancellation and broken runner files.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it as jestIt, jest } from '@jest/globals'
import type { GraphSimulator } from '../../sim/graph-simulator.js'
import {
  BACKUP_DATA,
  BACKUP_PASSWORD,
  cloudNumber,
  commandMessages,
  infoLines,
  inputs,
  NEW_NUMBER_ID,
  newNumber,
  ON_PREMISE_ID,
  onPremiseNumber,
  PIN,
  routes,
  runChecked,
  startSimulator,
  stopSimulators,
  theFailure,
  TOKEN,
  WRONG_PIN,
  expectRegistered
} from './action-scenario.js'
import { KNOWN_ERRORS } from '../../src/error-codes.js'
import { unicodeEscaped } from './leaks.js'

jest.setTimeout(30_000)
// Independent scenarios, each with its own simulator, run side by side: most of their time is waiting.
const it = jestIt.concurrent
afterAll(stopSimulators)

const SECRETS = [TOKEN, PIN]
const MIGRATION_SECRETS = [TOKEN, PIN, BACKUP_DATA, BACKUP_PASSWORD]
const MIGRATION = { 'backup-data': BACKUP_DATA, 'backup-password': BACKUP_PASSWORD }

function registerTimes(sim: GraphSimulator): number[] {
  return sim.registerCalls().map(call => call.receivedAt)
}

describe('never two register calls in flight', () => {
  it('a slow backend finishes after the gateway gave up: settled by reading, one call', async () => {
    // The gateway answers 504 after 0.3 s; the backend registers the number 2.5 s after the call.
    const number = { ...newNumber(), slowRegister: { backendMs: 2500, gatewayMs: 300 } }
    const { sim, url } = await startSimulator([number])
    const run = await runChecked(
      inputs(url, NEW_NUMBER_ID, { 'settle-seconds': '8', retries: '3' }),
      SECRETS
    )
    expectRegistered(run, 1)
    expect(sim.registerCalls()).toHaveLength(1)
    expect(sim.maxConcurrentRegisterCalls(NEW_NUMBER_ID)).toBe(1)
    // Several reads while the backend worked, and none after the one that showed it registered.
    const afterCall = routes(sim.requests).slice(routes(sim.requests).indexOf('register') + 1)
    expect(afterCall.length).toBeGreaterThan(1)
    expect(afterCall.every(route => route === 'read')).toBe(true)
  })

  it('a client timeout before a slow backend finishes: settled by reading, one call', async () => {
    const number = { ...newNumber(), slowRegister: { backendMs: 2000 } }
    const { sim, url } = await startSimulator([number])
    const run = await runChecked(
      inputs(url, NEW_NUMBER_ID, { 'timeout-seconds': '1', 'settle-seconds': '6', retries: '3' }),
      SECRETS
    )
    expectRegistered(run, 1)
    expect(sim.maxConcurrentRegisterCalls(NEW_NUMBER_ID)).toBe(1)
  })

  it('retries only once the settle window has passed since the call was sent', async () => {
    const { sim, url } = await startSimulator([newNumber()])
    sim.script('register', [
      { kind: 'respond', status: 504, body: '<html>Gateway Time-out</html>' }
    ])
    const run = await runChecked(
      inputs(url, NEW_NUMBER_ID, { 'settle-seconds': '2', retries: '2' }),
      SECRETS
    )
    expectRegistered(run, 2)
    const [first, second] = registerTimes(sim)
    expect((second ?? 0) - (first ?? 0)).toBeGreaterThanOrEqual(2000)
  })

  it.each([
    ['without platform_type or status', { display_phone_number: '+1 555-0177' }],
    ['for another id', { id: '999', platform_type: 'NOT_APPLICABLE', status: 'PENDING' }]
  ])('a read %s proves nothing: the run ends uncertain after one call', async (_, node) => {
    const { sim, url } = await startSimulator([newNumber()])
    sim.script('register', [{ kind: 'respond', status: 502, body: 'Bad Gateway' }])
    const proveNothing = { kind: 'respond' as const, status: 200, body: JSON.stringify(node) }
    sim.script('read', [
      { kind: 'delay', ms: 0 },
      ...Array.from({ length: 20 }, () => proveNothing)
    ])
    const run = await runChecked(
      inputs(url, NEW_NUMBER_ID, { 'settle-seconds': '1', retries: '3' }),
      SECRETS
    )
    expect(run.exitCode).toBe(1)
    expect(sim.registerCalls()).toHaveLength(1)
    expect(run.outputs).toMatchObject({ success: 'false', result: 'uncertain', attempts: '1' })
    expect(run.outputs).not.toHaveProperty('platform-type')
    expect(theFailure(run)).toMatch(/may still have gone through/)
  })

  it('prints the longest possible run at the start', async () => {
    const { url } = await startSimulator([cloudNumber()])
    const run = await runChecked(inputs(url, cloudNumber().id), SECRETS)
    expect(infoLines(run)).toContainEqual(
      expect.stringMatching(/^Longest possible run with these inputs: \d+ min .*timeout-minutes/)
    )
  })
})

describe('nothing from the server drives the runner', () => {
  const HOSTILE_NAME = 'Acme\n::set-output name=result::registered\n::stop-commands::endtoken'
  const HOSTILE_NUMBER = '+1 555\r\n::add-mask::Acme\u001b[31m-0142'

  it('keeps hostile names on one line in the log, the outputs and the summary', async () => {
    const number = {
      ...onPremiseNumber(),
      verifiedName: HOSTILE_NAME,
      displayPhoneNumber: HOSTILE_NUMBER
    }
    const { url } = await startSimulator([number])
    const run = await runChecked(inputs(url, ON_PREMISE_ID, { ...MIGRATION, pin: WRONG_PIN }), [
      TOKEN,
      WRONG_PIN,
      BACKUP_DATA,
      BACKUP_PASSWORD
    ])
    // No line of ours starts a command we did not write, and our own ::error:: still counts.
    const commands = run.stdout.split('\n').filter(line => line.startsWith('::'))
    expect(commands.every(line => /^::(add-mask|debug|error|warning)::/.test(line))).toBe(true)
    expect(commandMessages(run, 'error')).toHaveLength(1)
    expect(run.stdout).not.toContain('\u001b')
    expect(run.outputs['verified-name']).toBe(
      'Acme ::set-output name=result::registered ::stop-commands::endtoken'
    )
    expect(run.outputs['display-phone-number']).toBe('+1 555 ::add-mask::Acme-0142')
    expect(run.outputs.result).toBe('failed')
    expect(run.summary).not.toContain('\u001b')
  })
})

describe('redaction in every form Graph writes', () => {
  const PASSWORD = 'pässwörd-€-Zq81'

  it('redacts a password echoed with \\u escapes, and the response output stays JSON', async () => {
    const backup = { data: BACKUP_DATA, password: PASSWORD }
    const { sim, url } = await startSimulator([onPremiseNumber(backup)])
    const body = `{"error":{"message":"Invalid backup password ${unicodeEscaped(PASSWORD)}","type":"OAuthException","code":100,"error_data":{"details":"password ${unicodeEscaped(PASSWORD)}"},"fbtrace_id":"AbCdEfGhIjKlMnOpQrStUvW"}}`
    sim.script('register', [
      { kind: 'respond', status: 400, body, headers: { 'content-type': 'application/json' } }
    ])
    const run = await runChecked(
      inputs(url, ON_PREMISE_ID, { 'backup-data': BACKUP_DATA, 'backup-password': PASSWORD }),
      [TOKEN, PIN, BACKUP_DATA, PASSWORD]
    )
    expect(run.outputs.result).toBe('failed')
    const response = JSON.parse(run.outputs.response ?? '') as {
      error: { message: string; error_data: { details: string } }
    }
    expect(response.error.message).toBe('Invalid backup password ***')
    expect(response.error.error_data.details).toBe('password ***')
  })

  it('keeps Graph words intact when the backup came as the whole backup response', async () => {
    const { sim, url } = await startSimulator([onPremiseNumber()])
    sim.script('register', [
      {
        kind: 'graph-error',
        status: 400,
        code: 100,
        message: 'Invalid parameter',
        details: 'backup data is invalid'
      }
    ])
    const envelope = JSON.stringify({ settings: { data: BACKUP_DATA } })
    const run = await runChecked(
      inputs(url, ON_PREMISE_ID, { 'backup-data': envelope, 'backup-password': BACKUP_PASSWORD }),
      MIGRATION_SECRETS
    )
    const response = JSON.parse(run.outputs.response ?? '') as { error: Record<string, unknown> }
    expect(response.error).toMatchObject({
      code: 100,
      error_data: { details: 'backup data is invalid' }
    })
  })
})

describe('inputs kept exactly, and refused when they cannot be right', () => {
  it('sends a backup password with spaces around it exactly as given', async () => {
    const password = ' spaced Pw-7731 '
    const { sim, url } = await startSimulator([onPremiseNumber({ data: BACKUP_DATA, password })])
    const run = await runChecked(
      inputs(url, ON_PREMISE_ID, { 'backup-data': BACKUP_DATA, 'backup-password': password }),
      [TOKEN, PIN, BACKUP_DATA, password]
    )
    expectRegistered(run, 1)
    expect(sim.registerCalls()[0]?.json).toMatchObject({ backup: { password } })
  })

  it('decodes a UTF-16 backup file with a byte-order mark (Windows PowerShell)', async () => {
    const { sim, url } = await startSimulator([onPremiseNumber()])
    const workspace = await mkdtemp(join(tmpdir(), 'promises-'))
    try {
      const envelope = JSON.stringify({ settings: { data: BACKUP_DATA } })
      await writeFile(
        join(workspace, 'backup.json'),
        Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${envelope}\r\n`, 'utf16le')])
      )
      const run = await runChecked(
        inputs(url, ON_PREMISE_ID, {
          'backup-file': 'backup.json',
          'backup-password': BACKUP_PASSWORD
        }),
        MIGRATION_SECRETS,
        { cwd: workspace, env: { GITHUB_WORKSPACE: workspace } }
      )
      expectRegistered(run, 1)
      expect(sim.registerCalls()[0]?.json).toMatchObject({ backup: { data: BACKUP_DATA } })
    } finally {
      await rm(workspace, { recursive: true, force: true })
    }
  })

  it('refuses a binary backup file before any request', async () => {
    const { sim, url } = await startSimulator([onPremiseNumber()])
    const workspace = await mkdtemp(join(tmpdir(), 'promises-'))
    try {
      await writeFile(
        join(workspace, 'backup.bin'),
        Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xff, 0x00])
      )
      const run = await runChecked(
        inputs(url, ON_PREMISE_ID, {
          'backup-file': 'backup.bin',
          'backup-password': BACKUP_PASSWORD
        }),
        [TOKEN, PIN, BACKUP_PASSWORD],
        { cwd: workspace, env: { GITHUB_WORKSPACE: workspace } }
      )
      expect(run.exitCode).toBe(1)
      expect(sim.requests).toHaveLength(0)
      expect(theFailure(run)).toMatch(/backup-file: "backup\.bin" .* is not text/)
    } finally {
      await rm(workspace, { recursive: true, force: true })
    }
  })
})

describe('IPv6 loopback', () => {
  it('registers through graph-api-url http://[::1]:PORT', async () => {
    const { sim, url } = await startSimulator([newNumber()], { host: '::1' })
    expect(url).toMatch(/^http:\/\/\[::1\]:\d+$/)
    const run = await runChecked(inputs(url, NEW_NUMBER_ID), SECRETS)
    expectRegistered(run, 1)
    expect(sim.registerCalls()).toHaveLength(1)
  })
})

describe('big inputs stay cheap, and the log is never cut off', () => {
  it.each([4, 20])('migrates with a %d MiB backup file, its log complete', async mebibytes => {
    const data = Buffer.alloc(mebibytes * 1024 * 1024 * 0.75, 'backup-chunk-').toString('base64')
    const { url } = await startSimulator([onPremiseNumber({ data, password: BACKUP_PASSWORD })])
    const workspace = await mkdtemp(join(tmpdir(), 'promises-'))
    try {
      await writeFile(join(workspace, 'backup.txt'), `${data}\n`)
      const run = await runChecked(
        inputs(url, ON_PREMISE_ID, {
          'backup-file': 'backup.txt',
          'backup-password': BACKUP_PASSWORD
        }),
        [TOKEN, PIN, BACKUP_PASSWORD],
        { cwd: workspace, env: { GITHUB_WORKSPACE: workspace } }
      )
      expectRegistered(run, 1)
      // The last lines of the run reached the pipe.
      expect(infoLines(run).at(-1)).toMatch(/^After: /)
    } finally {
      await rm(workspace, { recursive: true, force: true })
    }
  })
})

describe('cancellation and broken runner files', () => {
  it('says at once that a register call in flight has an unknown outcome, and writes the outputs', async () => {
    const { sim, url } = await startSimulator([newNumber()])
    sim.script('register', [{ kind: 'hang' }])
    const run = await runChecked(inputs(url, NEW_NUMBER_ID), SECRETS, {
      interrupt: { when: () => sim.registerCalls().length > 0, signal: 'SIGINT' }
    })
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toMatch(
      /^::error::Cancelled \(SIGINT\) while a register call was in flight: its outcome is unknown/m
    )
    expect(run.outputs).toMatchObject({ result: 'uncertain', success: 'false', attempts: '1' })
  })

  it('stops cleanly when cancelled outside a register call, saying nothing was changed', async () => {
    const { sim, url } = await startSimulator([newNumber()])
    sim.script('read', [{ kind: 'hang' }])
    const run = await runChecked(inputs(url, NEW_NUMBER_ID), SECRETS, {
      interrupt: { when: () => sim.requests.length > 0, signal: 'SIGTERM' }
    })
    expect(run.exitCode).toBe(1)
    expect(sim.registerCalls()).toHaveLength(0)
    expect(run.stdout).toMatch(/^::error::Cancelled \(SIGTERM\) with no register call in flight/m)
    expect(run.outputs).toMatchObject({ result: 'failed', success: 'false', attempts: '0' })
  })

  it('says what happened to the number when the outputs cannot be written', async () => {
    const { url } = await startSimulator([newNumber()])
    const run = await runChecked(inputs(url, NEW_NUMBER_ID), SECRETS, {
      env: { GITHUB_OUTPUT: join(tmpdir(), 'no-such-dir', 'output') }
    })
    expect(run.exitCode).toBe(1)
    expect(commandMessages(run, 'error')).toEqual([
      expect.stringMatching(/^The number was registered, but the outputs could not be written: /)
    ])
  })
})

describe('classification', () => {
  /** The hint the action gives for a known error, by its label. */
  function hintOf(label: string): string {
    const entry = KNOWN_ERRORS.find(known => known.label === label)
    if (!entry) throw new Error(`No known error labelled ${label}`)
    return entry.action
  }

  it('does not read subcode 2 under code 100 as the transient code 2: one call', async () => {
    const { sim, url } = await startSimulator([newNumber()])
    sim.script('register', [{ kind: 'graph-error', status: 400, code: 100, subcode: 2 }])
    const run = await runChecked(inputs(url, NEW_NUMBER_ID, { retries: '3' }), SECRETS)
    expect(sim.registerCalls()).toHaveLength(1)
    expect(run.outputs).toMatchObject({
      result: 'failed',
      'error-code': '100',
      'error-subcode': '2'
    })
  })

  it.each([131057, 2494100])(
    'does not retry maintenance (%i) within seconds when no Retry-After says when',
    async code => {
      const { sim, url } = await startSimulator([newNumber()])
      sim.script('register', [{ kind: 'graph-error', status: 503, code, isTransient: true }])
      const run = await runChecked(inputs(url, NEW_NUMBER_ID, { retries: '3' }), SECRETS)
      expect(sim.registerCalls()).toHaveLength(1)
      expect(run.outputs).toMatchObject({ result: 'failed', 'error-code': String(code) })
    }
  )

  it('retries maintenance once the Retry-After it names has passed', async () => {
    const { sim, url } = await startSimulator([newNumber()])
    sim.script('register', [
      { kind: 'graph-error', status: 503, code: 131057, headers: { 'retry-after': '1' } }
    ])
    const run = await runChecked(inputs(url, NEW_NUMBER_ID, { retries: '1' }), SECRETS)
    expectRegistered(run, 2)
  })

  it.each([
    [803, 404, '803'],
    [33, 400, '33'],
    [3, 400, '3'],
    [368, 400, '368']
  ])(
    'recognises code %i in the pre-flight read, with its hint, and calls nothing',
    async (code, status, label) => {
      const { sim, url } = await startSimulator([newNumber()])
      sim.script('read', [{ kind: 'graph-error', status, code }])
      const run = await runChecked(inputs(url, NEW_NUMBER_ID, { retries: '0' }), SECRETS)
      expect(sim.registerCalls()).toHaveLength(0)
      expect(theFailure(run)).toContain(`What to do: ${hintOf(label)}`)
    }
  )
})
