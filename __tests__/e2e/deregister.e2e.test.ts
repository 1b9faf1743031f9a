/**
 * The deregister sub-action (issue 13), its committed bundle run as a runner runs it against the
 * simulator: the display number confirmed before any write, a number that is not registered left
 * alone, coexistence refused, its own 10-per-72h budget never spent by a retry of a permanent
 * error, uncertain outcomes settled by reading, and the summary saying what deregistering costs.
 */
import { afterAll, describe, expect, it as jestIt, jest } from '@jest/globals'
import type { Fault } from '../../sim/graph-simulator.js'
import {
  CLOUD_ID,
  cloudNumber,
  infoLines,
  NEW_NUMBER_ID,
  newNumber,
  routes,
  startSimulator,
  stopSimulators,
  summaryRow,
  theFailure,
  TOKEN
} from './action-scenario.js'
import { deregisterInputs, runDeregister } from './lifecycle-scenario.js'

jest.setTimeout(30_000)
// Independent scenarios, each with its own simulator, run side by side: most of their time is waiting.
const it = jestIt.concurrent
afterAll(stopSimulators)

const SECRETS = [TOKEN]
/** cloudNumber()'s display number, written another way: digits are what count. */
const CLOUD_DISPLAY = '+44 (7700) 900-361'
const PASS: Fault = { kind: 'delay', ms: 0 }

describe('deregister', () => {
  it('deregisters a number on the Cloud API: one call, confirmed by a read', async () => {
    const { sim, url } = await startSimulator([cloudNumber()])
    const run = await runDeregister(deregisterInputs(url, CLOUD_ID, CLOUD_DISPLAY), SECRETS)

    expect(run.exitCode).toBe(0)
    expect(routes(sim.requests)).toEqual(['read', 'deregister', 'read'])
    const call = sim.writes()[0]
    expect(call).toMatchObject({ method: 'POST', path: `/v26.0/${CLOUD_ID}/deregister`, body: '' })
    expect(sim.number(CLOUD_ID)).toMatchObject({ platformType: 'NOT_APPLICABLE' })
    expect(run.outputs).toEqual({
      success: 'true',
      result: 'deregistered',
      attempts: '1',
      'platform-type': 'NOT_APPLICABLE',
      'phone-number-status': 'DISCONNECTED',
      'fbtrace-id': expect.any(String)
    })
    expect(infoLines(run)).toEqual(
      expect.arrayContaining([
        'confirm-display-phone-number matches the number Graph reports.',
        'Deregistered after 1 deregister call.'
      ])
    )
    expect(summaryRow(run, 'Platform before')).toBe('CLOUD_API (CONNECTED)')
    expect(summaryRow(run, 'Platform after')).toBe('NOT_APPLICABLE (DISCONNECTED)')
    expect(summaryRow(run, 'Deregister calls')).toBe('1')
    expect(run.summary).toContain('Local storage is off now: deregistering turns it off.')
    expect(run.summary).toContain(
      'Registering again needs the number&#39;s two-step verification PIN'
    )
  })

  it('turns local storage off, as Graph does', async () => {
    const number = {
      ...cloudNumber(),
      storage: { status: 'in_country_storage_enabled' as const, region: 'DE' }
    }
    const { sim, url } = await startSimulator([number])
    const run = await runDeregister(deregisterInputs(url, CLOUD_ID, CLOUD_DISPLAY), SECRETS)
    expect(run.outputs.result).toBe('deregistered')
    expect(sim.number(CLOUD_ID).storage).toEqual({ status: 'default' })
  })

  it('refuses before any write when the display number is another number', async () => {
    const { sim, url } = await startSimulator([cloudNumber()])
    const run = await runDeregister(deregisterInputs(url, CLOUD_ID, '+1 555-0177'), SECRETS)

    expect(run.exitCode).toBe(1)
    expect(sim.writes()).toEqual([])
    expect(sim.number(CLOUD_ID)).toMatchObject({ platformType: 'CLOUD_API' })
    expect(run.outputs).toMatchObject({ success: 'false', result: 'failed', attempts: '0' })
    expect(theFailure(run)).toBe(
      `phone-number-id ${CLOUD_ID} is +44 7700 900361 according to Graph, not the number confirm-display-phone-number gives (+1 555-0177; digits compared). No deregister call was made: check that phone-number-id and confirm-display-phone-number name the same number.`
    )
  })

  it('refuses in a dry run too when the display number is another number', async () => {
    const { sim, url } = await startSimulator([cloudNumber()])
    const run = await runDeregister(
      deregisterInputs(url, CLOUD_ID, '+44 7700 900362', { 'dry-run': 'true' }),
      SECRETS
    )
    expect(run.exitCode).toBe(1)
    expect(sim.writes()).toEqual([])
    expect(run.outputs.result).toBe('failed')
  })

  it('leaves a number that is not on CLOUD_API alone: already-deregistered, no write', async () => {
    const { sim, url } = await startSimulator([newNumber()])
    const run = await runDeregister(deregisterInputs(url, NEW_NUMBER_ID, '15550177'), SECRETS)

    expect(run.exitCode).toBe(0)
    expect(sim.writes()).toEqual([])
    expect(run.outputs).toEqual({
      success: 'true',
      result: 'already-deregistered',
      attempts: '0',
      'platform-type': 'NOT_APPLICABLE',
      'phone-number-status': 'PENDING'
    })
    expect(run.summary).toContain(
      'Registering again needs the number&#39;s two-step verification PIN'
    )
  })

  it('refuses a coexistence number (also on the WhatsApp Business app) before any write', async () => {
    const { sim, url } = await startSimulator([{ ...cloudNumber(), isOnBizApp: true }])
    const run = await runDeregister(deregisterInputs(url, CLOUD_ID, CLOUD_DISPLAY), SECRETS)

    expect(run.exitCode).toBe(1)
    expect(sim.writes()).toEqual([])
    expect(run.outputs).toMatchObject({ success: 'false', result: 'failed', attempts: '0' })
    expect(theFailure(run)).toMatch(/^The number is also used in the WhatsApp Business app/)
  })

  it('never retries the 72-hour deregister limit (133016)', async () => {
    const { sim, url } = await startSimulator([cloudNumber()])
    sim.script('deregister', [
      {
        kind: 'graph-error',
        status: 400,
        code: 133016,
        message: 'Rate limit exceeded: too many register/deregister attempts',
        details: 'Too many register or deregister attempts for this phone number. Try again later.'
      }
    ])
    const run = await runDeregister(
      deregisterInputs(url, CLOUD_ID, CLOUD_DISPLAY, { retries: '3' }),
      SECRETS
    )

    expect(run.exitCode).toBe(1)
    expect(routes(sim.requests)).toEqual(['read', 'deregister'])
    expect(run.outputs).toMatchObject({
      success: 'false',
      result: 'failed',
      attempts: '1',
      'error-code': '133016',
      'platform-type': 'CLOUD_API'
    })
    const failure = theFailure(run)
    expect(failure).toMatch(/^Deregister failed: HTTP 400, Graph error \(code 133016\)/)
    expect(failure).toMatch(/What to do: Wait until the 72-hour window allows another call/)
    expect(failure).toMatch(
      /Not retried: a retry cannot help with this error \(1 deregister call made\)/
    )
  })

  it('retries a transient failure (133004) once and deregisters', async () => {
    const { sim, url } = await startSimulator([cloudNumber()])
    sim.script('deregister', [
      { kind: 'graph-error', status: 503, code: 133004, message: 'Server temporarily unavailable' }
    ])
    const run = await runDeregister(deregisterInputs(url, CLOUD_ID, CLOUD_DISPLAY), SECRETS)
    expect(run.exitCode).toBe(0)
    expect(routes(sim.requests)).toEqual(['read', 'deregister', 'deregister', 'read'])
    expect(run.outputs).toMatchObject({ result: 'deregistered', attempts: '2' })
  })

  it('passes a refused read on as it is: a bad token stops before any write', async () => {
    const { sim, url } = await startSimulator([cloudNumber()])
    const run = await runDeregister(
      deregisterInputs(url, CLOUD_ID, CLOUD_DISPLAY, { 'access-token': 'EAAWrongTokenXq7Lm2Pz' }),
      ['EAAWrongTokenXq7Lm2Pz']
    )
    expect(run.exitCode).toBe(1)
    expect(sim.writes()).toEqual([])
    expect(run.outputs).toMatchObject({ result: 'failed', 'error-code': '190' })
    expect(theFailure(run)).toMatch(/^Reading the number failed \(no deregister call was made\)/)
  })
})

describe('an uncertain deregister call', () => {
  it('timed out but went through: a read shows the number off CLOUD_API, one call', async () => {
    const { sim, url } = await startSimulator([cloudNumber()])
    sim.script('deregister', [{ kind: 'process-then-hang' }])
    const run = await runDeregister(
      deregisterInputs(url, CLOUD_ID, CLOUD_DISPLAY, { 'timeout-seconds': '1', retries: '2' }),
      SECRETS
    )

    expect(run.exitCode).toBe(0)
    expect(routes(sim.requests)).toEqual(['read', 'deregister', 'read'])
    expect(run.outputs).toMatchObject({
      success: 'true',
      result: 'deregistered',
      attempts: '1',
      'platform-type': 'NOT_APPLICABLE'
    })
    expect(infoLines(run)).toContainEqual(
      'The number is no longer on CLOUD_API: the deregister call went through.'
    )
  })

  it('timed out and did not go through: read until the window passed, then retried once', async () => {
    const { sim, url } = await startSimulator([cloudNumber()])
    sim.script('deregister', [{ kind: 'hang' }])
    const run = await runDeregister(
      deregisterInputs(url, CLOUD_ID, CLOUD_DISPLAY, {
        'timeout-seconds': '1',
        'settle-seconds': '1',
        retries: '1'
      }),
      SECRETS
    )

    expect(run.exitCode).toBe(0)
    expect(sim.writes()).toHaveLength(2)
    expect(run.outputs).toMatchObject({ result: 'deregistered', attempts: '2' })
    expect(sim.maxConcurrent('deregister', CLOUD_ID)).toBe(1)
  })

  it('nothing settles it: result uncertain, one call, and what to check', async () => {
    const { sim, url } = await startSimulator([cloudNumber()])
    sim.script('deregister', [{ kind: 'respond', status: 502, body: 'Bad Gateway' }])
    const unreadable: Fault = { kind: 'respond', status: 503, body: 'Service Unavailable' }
    sim.script('read', [PASS, ...Array.from({ length: 20 }, () => unreadable)])
    const run = await runDeregister(
      deregisterInputs(url, CLOUD_ID, CLOUD_DISPLAY, { 'settle-seconds': '1', retries: '2' }),
      SECRETS
    )

    expect(run.exitCode).toBe(1)
    expect(sim.writes()).toHaveLength(1)
    expect(run.outputs).toMatchObject({ success: 'false', result: 'uncertain', attempts: '1' })
    // The state read before the call is no longer current.
    expect(run.outputs).not.toHaveProperty('platform-type')
    expect(theFailure(run)).toMatch(
      /^The outcome of the deregister call is uncertain: HTTP 502[\s\S]*a number no longer on CLOUD_API has been deregistered/
    )
    expect(summaryRow(run, 'Result')).toMatch(/^⚠️ uncertain/)
  })
})

describe('dry run', () => {
  it('reads the number, checks the display number, plans the call, and writes nothing', async () => {
    const { sim, url } = await startSimulator([cloudNumber()])
    const run = await runDeregister(
      deregisterInputs(url, CLOUD_ID, CLOUD_DISPLAY, { 'dry-run': 'true' }),
      SECRETS
    )

    expect(run.exitCode).toBe(0)
    expect(sim.writes()).toEqual([])
    expect(run.outputs).toMatchObject({ success: 'true', result: 'dry-run', attempts: '0' })
    expect(infoLines(run)).toContainEqual(
      `Dry run: no deregister call. A real run would send: POST ${url}/v26.0/${CLOUD_ID}/deregister (no body)`
    )
    expect(run.summary).toContain('A real run deregisters the number')
  })

  it('says a real run would leave a number that is not registered alone', async () => {
    const { sim, url } = await startSimulator([newNumber()])
    const run = await runDeregister(
      deregisterInputs(url, NEW_NUMBER_ID, '+1 555-0177', { 'dry-run': 'true' }),
      SECRETS
    )
    expect(run.outputs.result).toBe('dry-run')
    expect(sim.writes()).toEqual([])
    expect(infoLines(run)).toContainEqual(
      expect.stringMatching(/A real run would send: Nothing: the number is not on CLOUD_API/)
    )
  })
})

describe('inputs', () => {
  it.each([
    ['missing', '', /^- confirm-display-phone-number: required/],
    ['not a phone number', 'the main line', /^- confirm-display-phone-number: expected/],
    [
      'the phone-number-id',
      CLOUD_ID,
      /^- confirm-display-phone-number: this is the phone-number-id/
    ]
  ])(
    'refuses a confirm-display-phone-number that is %s, before any request',
    async (_, value, problem) => {
      const { sim, url } = await startSimulator([cloudNumber()])
      const run = await runDeregister(deregisterInputs(url, CLOUD_ID, value), SECRETS)
      expect(run.exitCode).toBe(1)
      expect(sim.requests).toHaveLength(0)
      expect(run.outputs).toMatchObject({ success: 'false', result: 'failed' })
      expect(theFailure(run).split('\n')[1]).toMatch(problem)
    }
  )
})

describe('cancellation', () => {
  it('says at once that a deregister call in flight has an unknown outcome, and writes the outputs', async () => {
    const { sim, url } = await startSimulator([cloudNumber()])
    sim.script('deregister', [{ kind: 'hang' }])
    const run = await runDeregister(deregisterInputs(url, CLOUD_ID, CLOUD_DISPLAY), SECRETS, {
      interrupt: { when: () => sim.writes().length > 0, signal: 'SIGTERM' }
    })
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toMatch(
      /^::error::Cancelled \(SIGTERM\) while a deregister call was in flight: its outcome is unknown/m
    )
    expect(run.outputs).toMatchObject({ result: 'uncertain', success: 'false', attempts: '1' })
  })
})
