/**
 * The command-line tool (`dist/cli/index.js`), run as a person or another CI system runs it:
 * options as flags, secrets from the environment only, a JSON result on request, and exit codes
 * that tell success, failure, bad usage and an uncertain outcome apart.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it as jestIt, jest } from '@jest/globals'
import { runCli, type CliRun } from '../../sim/action-runner.js'
import {
  BACKUP_DATA,
  BACKUP_PASSWORD,
  CLOUD_ID,
  cloudNumber,
  NEW_NUMBER_ID,
  newNumber,
  ON_PREMISE_ID,
  onPremiseNumber,
  PIN,
  startSimulator,
  stopSimulators,
  TOKEN,
  WRONG_PIN
} from './action-scenario.js'
import { expectNoLeaks } from './leaks.js'

jest.setTimeout(30_000)
// Independent scenarios, each with its own simulator, run side by side: most of their time is waiting.
const it = jestIt.concurrent
afterAll(stopSimulators)

const ENV = { WHATSAPP_ACCESS_TOKEN: TOKEN, WHATSAPP_PIN: PIN }

/** Runs the CLI and holds it to the secret rules: no secret, no piece of one, in what it printed. */
async function cli(
  args: string[],
  env: Record<string, string>,
  secrets: string[]
): Promise<CliRun> {
  const run = await runCli(args, env)
  expectNoLeaks({ ...run, outputs: {}, summary: '' }, secrets)
  return run
}

function json(run: CliRun): Record<string, string> {
  const lines = run.stdout.trim().split('\n')
  expect(lines).toHaveLength(1)
  return JSON.parse(lines[0] ?? '') as Record<string, string>
}

describe('register', () => {
  it('registers a number and prints one JSON object with the outputs (exit 0)', async () => {
    const { sim, url } = await startSimulator([newNumber()])
    const run = await cli(
      ['register', '--phone-number-id', NEW_NUMBER_ID, `--graph-api-url=${url}`, '--json'],
      ENV,
      [TOKEN, PIN]
    )
    expect(run.exitCode).toBe(0)
    expect(json(run)).toMatchObject({ success: 'true', result: 'registered', attempts: '1' })
    expect(sim.registerCalls()).toHaveLength(1)
    // Step lines go to stderr, so that stdout holds the JSON alone.
    expect(run.stderr).toContain('Registered after 1 register call.')
  })

  it('migrates with --backup-file and the backup password from the environment', async () => {
    const { sim, url } = await startSimulator([onPremiseNumber()])
    const dir = await mkdtemp(join(tmpdir(), 'cli-'))
    try {
      await writeFile(join(dir, 'backup.json'), JSON.stringify({ settings: { data: BACKUP_DATA } }))
      const run = await cli(
        [
          'register',
          '--phone-number-id',
          ON_PREMISE_ID,
          '--graph-api-url',
          url,
          '--backup-file',
          join(dir, 'backup.json')
        ],
        { ...ENV, WHATSAPP_BACKUP_PASSWORD: BACKUP_PASSWORD },
        [TOKEN, PIN, BACKUP_DATA, BACKUP_PASSWORD]
      )
      expect(run.exitCode).toBe(0)
      expect(run.stdout).toMatch(/^Result: registered\n/)
      expect(sim.registerCalls()[0]?.json).toMatchObject({
        backup: { data: BACKUP_DATA, password: BACKUP_PASSWORD }
      })
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('exits 1 on a failure, with the reason on stderr', async () => {
    const { url } = await startSimulator([onPremiseNumber()])
    const run = await cli(
      ['register', '--phone-number-id', ON_PREMISE_ID, '--graph-api-url', url],
      {
        WHATSAPP_ACCESS_TOKEN: TOKEN,
        WHATSAPP_PIN: WRONG_PIN,
        WHATSAPP_BACKUP_DATA: BACKUP_DATA,
        WHATSAPP_BACKUP_PASSWORD: BACKUP_PASSWORD
      },
      [TOKEN, WRONG_PIN, BACKUP_DATA, BACKUP_PASSWORD]
    )
    expect(run.exitCode).toBe(1)
    expect(run.stderr).toMatch(/^error: Register failed: HTTP 400, Graph error \(code 133005\)/m)
  })

  it('exits 3 when the outcome is uncertain', async () => {
    const { sim, url } = await startSimulator([newNumber()])
    sim.script('register', [{ kind: 'respond', status: 502, body: 'Bad Gateway' }])
    const proveNothing = {
      kind: 'respond' as const,
      status: 200,
      body: '{"display_phone_number":"+1"}'
    }
    sim.script('read', [
      { kind: 'delay', ms: 0 },
      ...Array.from({ length: 10 }, () => proveNothing)
    ])
    const run = await cli(
      [
        'register',
        '--phone-number-id',
        NEW_NUMBER_ID,
        '--graph-api-url',
        url,
        '--settle-seconds',
        '0',
        '--json'
      ],
      ENV,
      [TOKEN, PIN]
    )
    expect(run.exitCode).toBe(3)
    expect(json(run)).toMatchObject({ result: 'uncertain', success: 'false' })
  })

  it('makes no register call on --dry-run (exit 0)', async () => {
    const { sim, url } = await startSimulator([newNumber()])
    const run = await cli(
      [
        'register',
        '--phone-number-id',
        NEW_NUMBER_ID,
        '--graph-api-url',
        url,
        '--dry-run',
        '--json'
      ],
      ENV,
      [TOKEN, PIN]
    )
    expect(run.exitCode).toBe(0)
    expect(json(run).result).toBe('dry-run')
    expect(sim.writes()).toEqual([])
  })
})

describe('check', () => {
  it('reads the number and its storage, writes nothing, and needs no PIN', async () => {
    const { sim, url } = await startSimulator([cloudNumber()])
    const run = await cli(
      ['check', '--phone-number-id', CLOUD_ID, '--graph-api-url', url, '--json'],
      { WHATSAPP_ACCESS_TOKEN: TOKEN },
      [TOKEN]
    )
    expect(run.exitCode).toBe(0)
    expect(sim.writes()).toEqual([])
    expect(sim.requests.map(r => r.route)).toEqual(['read', 'settings'])
    expect(json(run)).toMatchObject({ 'platform-type': 'CLOUD_API', 'storage-region': '' })
  })
})

describe('deregister and set-pin', () => {
  it('deregisters a number whose display number is confirmed (exit 0)', async () => {
    const { sim, url } = await startSimulator([cloudNumber()])
    const run = await cli(
      [
        'deregister',
        '--phone-number-id',
        CLOUD_ID,
        '--graph-api-url',
        url,
        '--confirm-display-phone-number',
        cloudNumber().displayPhoneNumber,
        '--json'
      ],
      { WHATSAPP_ACCESS_TOKEN: TOKEN },
      [TOKEN]
    )
    expect(run.exitCode).toBe(0)
    expect(json(run)).toMatchObject({ result: 'deregistered', success: 'true' })
    expect(sim.number(CLOUD_ID).platformType).not.toBe('CLOUD_API')
  })

  it('refuses another display number before any write (exit 1)', async () => {
    const { sim, url } = await startSimulator([cloudNumber()])
    const run = await cli(
      [
        'deregister',
        '--phone-number-id',
        CLOUD_ID,
        '--graph-api-url',
        url,
        '--confirm-display-phone-number',
        '+1 555 0000'
      ],
      { WHATSAPP_ACCESS_TOKEN: TOKEN },
      [TOKEN]
    )
    expect(run.exitCode).toBe(1)
    expect(sim.writes()).toEqual([])
  })

  it('sets a new PIN from WHATSAPP_NEW_PIN (exit 0), never from a flag', async () => {
    const { sim, url } = await startSimulator([cloudNumber()])
    const newPin = '640271'
    const refused = await runCli(
      ['set-pin', '--phone-number-id', CLOUD_ID, '--new-pin', newPin, '--graph-api-url', url],
      { WHATSAPP_ACCESS_TOKEN: TOKEN }
    )
    expect(refused.exitCode).toBe(2)
    expect(sim.requests).toHaveLength(0)
    const run = await cli(
      ['set-pin', '--phone-number-id', CLOUD_ID, '--graph-api-url', url, '--json'],
      { WHATSAPP_ACCESS_TOKEN: TOKEN, WHATSAPP_NEW_PIN: newPin },
      [TOKEN, newPin]
    )
    expect(run.exitCode).toBe(0)
    expect(json(run)).toMatchObject({ result: 'pin-set', success: 'true' })
    expect(sim.number(CLOUD_ID).pin).toBe(newPin)
  })
})

describe('check with --waba-id', () => {
  it('reads the wiring too, and never subscribes an app that is not subscribed', async () => {
    const wabaId = '730164295387015'
    const number = { ...cloudNumber(), wabaId }
    const { sim, url } = await startSimulator([number], {
      wabas: [{ id: wabaId, subscribedApps: [] }],
      apps: { [TOKEN]: { id: '846205631940738', name: 'Northwind Ferries Bot' } }
    })
    const run = await cli(
      [
        'check',
        '--phone-number-id',
        CLOUD_ID,
        '--graph-api-url',
        url,
        '--waba-id',
        wabaId,
        '--json'
      ],
      { WHATSAPP_ACCESS_TOKEN: TOKEN },
      [TOKEN]
    )
    expect(sim.writes()).toEqual([])
    expect(json(run)).toMatchObject({ 'app-subscribed': 'false' })
  })
})

describe('bad usage and input (exit 2, no request)', () => {
  it.each([
    ['--pin', 'WHATSAPP_PIN'],
    ['--access-token', 'WHATSAPP_ACCESS_TOKEN'],
    ['--backup-password', 'WHATSAPP_BACKUP_PASSWORD']
  ])('refuses the secret flag %s, naming %s', async (flag, variable) => {
    const { sim, url } = await startSimulator([newNumber()])
    const run = await runCli(
      ['register', `${flag}=${PIN}`, '--phone-number-id', NEW_NUMBER_ID, '--graph-api-url', url],
      ENV
    )
    expect(run.exitCode).toBe(2)
    expect(run.stderr).toContain(`${flag}: a secret is never taken as a flag`)
    expect(run.stderr).toContain(variable)
    expect(run.stderr).not.toContain(PIN)
    expect(sim.requests).toHaveLength(0)
  })

  it('refuses bad input before any request', async () => {
    const { sim, url } = await startSimulator([newNumber()])
    const run = await cli(['register', '--phone-number-id', 'abc', '--graph-api-url', url], ENV, [
      TOKEN,
      PIN
    ])
    expect(run.exitCode).toBe(2)
    expect(run.stderr).toMatch(/phone-number-id: expected the number's Graph ID/)
    expect(sim.requests).toHaveLength(0)
  })

  it.each([
    [['deploy'], /deploy: not a command/],
    [['004217'], /^error: not a command \(the commands are register, check/m],
    [['register', '--colour', 'red'], /--colour: not an option of register/],
    [['register', '--phone-number-id'], /--phone-number-id: needs a value/],
    [[], /^Usage: whatsapp-cloud-api-register <command>/]
  ])('explains %j', async (args, message) => {
    const run = await runCli(args)
    expect(run.exitCode).toBe(2)
    expect(`${run.stdout}${run.stderr}`).toMatch(message)
  })
})

describe('help', () => {
  it.each(['register', 'check'])(
    '%s --help lists its options and secrets (exit 0), without colour',
    async command => {
      const run = await runCli([command, '--help'], { NO_COLOR: '1' })
      expect(run.exitCode).toBe(0)
      expect(run.stdout).toContain(`Usage: whatsapp-cloud-api-register ${command}`)
      expect(run.stdout).toContain('--phone-number-id')
      expect(run.stdout).toContain('WHATSAPP_ACCESS_TOKEN')
      expect(run.stdout).not.toContain('\u001b[')
    }
  )
})
