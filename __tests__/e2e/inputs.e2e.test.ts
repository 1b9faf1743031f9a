/**
 * Bad inputs stop the bundled action before any request: the simulator the inputs point at receives
 * nothing, the job fails with one message that names every problem, and no secret shows, not even
 * through a parser's message.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it as jestIt, jest } from '@jest/globals'
import { runAction, type ActionRun } from '../../sim/action-runner.js'
import { expectMasked, expectNoLeaks, findLeaks } from './leaks.js'
import {
  BACKUP_DATA,
  BACKUP_PASSWORD,
  infoLines,
  inputs,
  ON_PREMISE_ID,
  onPremiseNumber,
  PIN,
  runChecked,
  startSimulator,
  stopSimulators,
  theFailure
} from './action-scenario.js'

// Every scenario starts its own simulator: they run side by side (see action-scenario.ts).
const it = jestIt.concurrent

// A run that hangs is killed by the harness after 60 s at most.
jest.setTimeout(70_000)
const workspaces: string[] = []
afterAll(async () => {
  await stopSimulators()
  await Promise.all(workspaces.splice(0).map(dir => rm(dir, { recursive: true, force: true })))
})

/**
 * An envelope whose data lost its quotes. JSON.parse's message quotes the data around the error
 * (`Unexpected token 'Z', ..."":{"data":Zm9yLW9ucH"... is not valid JSON`): shown, it would leak.
 */
const BROKEN_ENVELOPE = `{"settings":{"data":${BACKUP_DATA}}}`

/**
 * Runs with a backup envelope as an input. Its shape (`{"settings":{"data":`) is public and our
 * messages name it, so the envelope is not a secret of its own (docs/security.md); the data inside
 * it is the secret, whose every 6-character fragment must stay hidden, and the envelope must never
 * show whole. A refused envelope yields no data to send, so only the token, PIN and password are
 * masked.
 */
async function runWithEnvelope(
  given: Record<string, string>,
  envelope: string,
  cwd?: string
): Promise<ActionRun> {
  const run = await runAction(given, { cwd })
  const secrets = [given['access-token'], given.pin, given['backup-password']]
  expectMasked(run, secrets)
  expectNoLeaks(run, [...secrets, BACKUP_DATA])
  expect(findLeaks(run, [envelope], { minFragment: envelope.length })).toEqual([])
  return run
}

interface BadInput {
  name: string
  /** Changes to valid migration inputs; '' unsets an input. */
  change: Record<string, string>
  /** The problem line the failure message must hold. */
  problem: string
  /** Contents of `bad-backup.json` in the workspace, when the case reads a file. */
  file?: string
  /** The backup envelope the case gives, inline or in the file. */
  envelope?: string
  /**
   * The backup inputs themselves are refused: no backup data is read, so none is masked (the
   * values sent are the secrets); it must still show nowhere.
   */
  backupRefused?: true
}

const BAD_INPUTS: BadInput[] = [
  {
    name: 'a missing access-token',
    change: { 'access-token': '' },
    problem: 'access-token: required, but empty or not set.'
  },
  {
    name: 'a 5-digit PIN',
    change: { pin: '12345' },
    problem:
      'pin: expected exactly 6 digits (0-9), such as "004217"; quote it in YAML to keep leading zeros.'
  },
  {
    name: 'a PIN with a line break after it',
    change: { pin: `${PIN}\n` },
    problem: 'pin: has spaces or a line break around its 6 digits; the PIN is sent exactly as given'
  },
  {
    name: 'a PIN with a letter',
    change: { pin: '12a456' },
    problem: 'pin: expected exactly 6 digits (0-9)'
  },
  {
    name: 'the phone number given as phone-number-id',
    change: { 'phone-number-id': '+15550100' },
    problem:
      "phone-number-id: expected the number's Graph ID, digits only (WhatsApp Manager › Phone numbers); this looks like the phone number itself."
  },
  {
    name: 'a backup without backup-password',
    change: { 'backup-password': '' },
    problem:
      'backup-password: required with a backup: the password given to the On-Premises backup call.'
  },
  {
    name: 'backup-password without a backup',
    change: { 'backup-data': '' },
    problem:
      'backup-password: given without a backup; add backup-data or backup-file, or remove it.'
  },
  {
    name: 'both backup-data and backup-file',
    change: { 'backup-file': 'backup.json' },
    problem: 'backup-data and backup-file: give one of them, not both.',
    backupRefused: true
  },
  {
    name: 'a boolean written as yes',
    change: { 'skip-if-registered': 'yes' },
    problem: 'skip-if-registered: expected true or false.'
  },
  {
    name: 'retries above 10',
    change: { retries: '11' },
    problem: 'retries: expected a whole number from 0 to 10.'
  },
  {
    name: 'timeout-seconds of 0',
    change: { 'timeout-seconds': '0' },
    problem: 'timeout-seconds: expected a whole number from 1 to 86400.'
  },
  {
    name: 'plain http to a host that is not loopback',
    change: { 'graph-api-url': 'http://graph.facebook.com' },
    problem:
      'graph-api-url: expected an https URL such as https://graph.facebook.com (plain http only for a loopback host), without credentials, query or fragment.'
  },
  {
    name: 'a backup envelope that is not valid JSON',
    change: { 'backup-data': BROKEN_ENVELOPE },
    envelope: BROKEN_ENVELOPE,
    problem: 'backup-data: starts like the backup response JSON but is not valid JSON'
  },
  {
    name: 'a backup envelope without settings.data',
    change: { 'backup-data': `{"settings":{"date":"${BACKUP_DATA}"}}` },
    envelope: `{"settings":{"date":"${BACKUP_DATA}"}}`,
    problem: 'backup-data: is JSON without a non-empty '
  },
  {
    name: 'a backup-file holding an envelope that is not valid JSON',
    change: { 'backup-data': '', 'backup-file': 'bad-backup.json' },
    file: BROKEN_ENVELOPE,
    envelope: BROKEN_ENVELOPE,
    problem: 'backup-file: starts like the backup response JSON but is not valid JSON'
  },
  {
    name: 'a backup-file that does not exist',
    change: { 'backup-data': '', 'backup-file': 'missing/backup.json' },
    problem: 'backup-file: "missing/backup.json" (looked for '
  }
]

describe('bad inputs make no request at all', () => {
  it.each(BAD_INPUTS)('$name', async ({ change, problem, file, envelope, backupRefused }) => {
    const { sim, url } = await startSimulator([onPremiseNumber()])
    const given = inputs(url, ON_PREMISE_ID, {
      'backup-data': BACKUP_DATA,
      'backup-password': BACKUP_PASSWORD,
      ...change
    })
    const cwd = file === undefined ? undefined : await workspaceWith('bad-backup.json', file)
    const secrets = [
      given['access-token'],
      given.pin,
      given['backup-data'],
      given['backup-password']
    ]
    if (file !== undefined) secrets.push(file)

    let run: ActionRun
    if (envelope !== undefined) {
      run = await runWithEnvelope(given, envelope, cwd)
    } else if (backupRefused) {
      run = await runAction(given, { cwd })
      expectMasked(run, [given['access-token'], given.pin, given['backup-password']])
      expectNoLeaks(run, secrets)
    } else {
      run = await runChecked(given, secrets, { cwd })
    }

    expectStoppedOnInputs(run)
    expect(sim.requests).toHaveLength(0)
    const failure = theFailure(run)
    expect(failure.split('\n')).toEqual([
      'Invalid inputs:',
      expect.stringContaining(`- ${problem}`)
    ])
    expect(run.summary).toContain('<h3>Input problems</h3>')
  })

  it('reports several problems together, in one message', async () => {
    const { sim, url } = await startSimulator([onPremiseNumber()])
    const given = inputs(url, '+15550100', {
      'access-token': '',
      pin: '12a456',
      'backup-data': BACKUP_DATA,
      retries: '11',
      'dry-run': 'yes'
    })

    const run = await runChecked(given, [given.pin, BACKUP_DATA])

    expectStoppedOnInputs(run)
    expect(sim.requests).toHaveLength(0)
    expect(theFailure(run).split('\n')).toEqual([
      'Invalid inputs:',
      '- access-token: required, but empty or not set.',
      expect.stringMatching(/^- phone-number-id: .*this looks like the phone number itself\.$/),
      expect.stringMatching(/^- pin: expected exactly 6 digits/),
      expect.stringMatching(/^- backup-password: required with a backup/),
      '- retries: expected a whole number from 0 to 10.',
      '- dry-run: expected true or false.'
    ])
    // The summary lists the same problems, one item each.
    expect(run.summary.match(/<li>/g)).toHaveLength(6)
  })
})

describe('the problem with a backup envelope', () => {
  // The envelope's shape `{"settings":{"data":"` is public: our own problem text shows the expected
  // shape as written, not cut into pieces by fragment redaction, and never the data.
  it('shows the expected shape as written', async () => {
    const { sim, url } = await startSimulator([onPremiseNumber()])
    const given = inputs(url, ON_PREMISE_ID, {
      'backup-data': BROKEN_ENVELOPE,
      'backup-password': BACKUP_PASSWORD
    })

    const run = await runWithEnvelope(given, BROKEN_ENVELOPE)

    expect(sim.requests).toHaveLength(0)
    expect(theFailure(run)).toBe(
      'Invalid inputs:\n- backup-data: starts like the backup response JSON but is not valid JSON; expected {"settings":{"data":"…"}} or the raw settings.data string.'
    )
  })
})

/** A workspace holding one file, removed after the file's tests. */
async function workspaceWith(name: string, contents: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'action-e2e-workspace-'))
  workspaces.push(dir)
  await writeFile(join(dir, name), contents)
  return dir
}

/** Stopped on its inputs: exit 1, the failure outputs, no register call, and nothing else said. */
function expectStoppedOnInputs(run: ActionRun): void {
  expect(run.signal).toBeNull()
  expect(run.exitCode).toBe(1)
  expect(run.stderr).toBe('')
  expect(run.outputs).toMatchObject({ success: 'false', result: 'failed', attempts: '0' })
  expect(infoLines(run)).toEqual([])
}
