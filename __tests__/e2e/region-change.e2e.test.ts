/**
 * A storage-region change of a registered number (issue 13, `on-region-mismatch: re-register`), the
 * committed bundle run against the simulator, which locks storage while a number is registered and
 * turns it off on deregistration: deregister, settings, register in that order, each confirmed by a
 * read; a stop at the first failure saying where the number is; nothing changed when the
 * deregistration is refused; the plan in a dry run; coexistence refused; `fail` unchanged.
 */
import { afterAll, describe, expect, it as jestIt, jest } from '@jest/globals'
import type { GraphSimulator } from '../../sim/graph-simulator.js'
import {
  CLOUD_ID,
  cloudNumber,
  expectRegistered,
  infoLines,
  inputs,
  PIN,
  runChecked,
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

const SECRETS = [TOKEN, PIN]

/** A registered number with in-country storage in IN, to be moved to DE. */
function numberInIndia(): ReturnType<typeof cloudNumber> {
  return { ...cloudNumber(), storage: { status: 'in_country_storage_enabled', region: 'IN' } }
}

/** Inputs asking for DE with `re-register`; `extra` adds or overrides. */
function moveToGermany(url: string, extra: Record<string, string> = {}): Record<string, string> {
  return inputs(url, CLOUD_ID, {
    'data-localization-region': 'DE',
    'on-region-mismatch': 're-register',
    'settle-seconds': '0',
    ...extra
  })
}

/** `METHOD route` of every request, in order. */
function calls(sim: GraphSimulator): string[] {
  return sim.requests.map(request => `${request.method} ${request.route}`)
}

/** The routes of the writes, in order. */
function writes(sim: GraphSimulator): string[] {
  return sim.writes().map(request => request.route)
}

describe('on-region-mismatch: re-register', () => {
  it('deregisters, sets the storage, registers: in that order, each confirmed by a read', async () => {
    const { sim, url } = await startSimulator([numberInIndia()])
    const run = await runChecked(moveToGermany(url), SECRETS)

    expectRegistered(run, 1)
    expect(writes(sim)).toEqual(['deregister', 'settings', 'register'])
    expect(calls(sim)).toEqual([
      'GET read',
      'GET settings',
      'POST deregister',
      'GET read', // the deregistration confirmed: off CLOUD_API
      'POST settings',
      'GET settings', // the storage confirmed: in DE
      'POST register',
      'GET read',
      'GET settings'
    ])
    expect(sim.writes()[1]?.json).toEqual({
      storage_configuration: {
        status: 'IN_COUNTRY_STORAGE_ENABLED',
        data_localization_region: 'DE'
      }
    })
    expect(sim.registerCalls()[0]?.json).toEqual({ messaging_product: 'whatsapp', pin: PIN })
    expect(sim.number(CLOUD_ID)).toMatchObject({
      platformType: 'CLOUD_API',
      status: 'CONNECTED',
      storage: { region: 'DE' }
    })
    expect(run.outputs).toMatchObject({ 'storage-region': 'DE', attempts: '1' })
    expect(JSON.parse(run.outputs['number-before'] ?? '')).toMatchObject({
      platform_type: 'CLOUD_API',
      storage_configuration: { data_localization_region: 'IN' }
    })
    expect(summaryRow(run, 'Deregistered')).toMatch(/^yes, to change the storage region/)
    expect(summaryRow(run, 'Deregister calls')).toBe('1')
    expect(summaryRow(run, 'Storage before')).toBe('in-country (IN)')
    expect(summaryRow(run, 'Storage after')).toBe('in-country (DE)')
    expect(infoLines(run)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Changing the storage region \(on-region-mismatch: re-register\)/),
        'Deregistered after 1 deregister call.',
        'Storage now: in-country (DE).',
        'The storage-region change is done: deregistered, storage set in DE, registered again.'
      ])
    )
  })

  it('moves a number from default storage too, and settles a deregister call cut off by reading', async () => {
    const { sim, url } = await startSimulator([cloudNumber()])
    sim.script('deregister', [{ kind: 'reset-after' }])
    const run = await runChecked(moveToGermany(url), SECRETS)

    expectRegistered(run, 1)
    expect(writes(sim)).toEqual(['deregister', 'settings', 'register'])
    expect(summaryRow(run, 'Deregister calls')).toBe('1')
    expect(run.outputs['storage-region']).toBe('DE')
  })

  it('stops after a failed settings write: deregistered, not registered, and says what to run', async () => {
    const { sim, url } = await startSimulator([numberInIndia()])
    sim.script('settings', [{ kind: 'graph-error', status: 400, code: 100, message: 'Invalid parameter' }], {
      method: 'POST'
    }) // prettier-ignore
    const run = await runChecked(moveToGermany(url), SECRETS)

    expect(run.exitCode).toBe(1)
    expect(writes(sim)).toEqual(['deregister', 'settings'])
    expect(sim.registerCalls()).toHaveLength(0)
    expect(sim.number(CLOUD_ID)).toMatchObject({ platformType: 'NOT_APPLICABLE' })
    expect(run.outputs).toMatchObject({
      success: 'false',
      result: 'failed',
      attempts: '0',
      'platform-type': 'NOT_APPLICABLE',
      'error-code': '100'
    })
    const failure = theFailure(run)
    expect(failure).toMatch(/^Setting local storage in DE failed after the number was deregistered/)
    expect(failure).toMatch(/Where the number is: deregistered \(offline\), not registered/)
    expect(failure).toMatch(/run this action again with the same inputs to finish/)
    expect(failure).toMatch(/it needs the PIN/)
    expect(summaryRow(run, 'Deregistered')).toMatch(/^yes/)
  })

  it('finishes the change from there when run again with the same inputs', async () => {
    const { sim, url } = await startSimulator([numberInIndia()])
    sim.script('settings', [{ kind: 'graph-error', status: 400, code: 100 }], { method: 'POST' })
    const first = await runChecked(moveToGermany(url), SECRETS)
    expect(first.exitCode).toBe(1)
    const before = sim.writes().length

    const again = await runChecked(moveToGermany(url), SECRETS)
    expectRegistered(again, 1)
    // Deregistered already: no second deregister call.
    expect(writes(sim).slice(before)).toEqual(['settings', 'register'])
    expect(again.outputs['storage-region']).toBe('DE')
  })

  it('says where the number is when the register call fails at the end (a wrong PIN)', async () => {
    const { sim, url } = await startSimulator([numberInIndia()])
    const run = await runChecked(moveToGermany(url, { pin: WRONG_PIN }), [TOKEN, WRONG_PIN])

    expect(run.exitCode).toBe(1)
    expect(writes(sim)).toEqual(['deregister', 'settings', 'register'])
    expect(run.outputs).toMatchObject({ result: 'failed', attempts: '1', 'error-code': '133005' })
    expect(theFailure(run)).toMatch(
      /Where the number is: deregistered \(offline\), in-country storage in DE, not registered/
    )
  })

  it('changes nothing when the deregister call is refused (133016), and does not retry it', async () => {
    const { sim, url } = await startSimulator([numberInIndia()])
    sim.script('deregister', [
      { kind: 'graph-error', status: 400, code: 133016, message: 'Rate limit exceeded' }
    ])
    const run = await runChecked(moveToGermany(url, { retries: '3' }), SECRETS)

    expect(run.exitCode).toBe(1)
    expect(writes(sim)).toEqual(['deregister'])
    expect(sim.number(CLOUD_ID)).toMatchObject({
      platformType: 'CLOUD_API',
      status: 'CONNECTED',
      storage: { region: 'IN' }
    })
    expect(run.outputs).toMatchObject({
      success: 'false',
      result: 'failed',
      attempts: '0',
      'error-code': '133016'
    })
    const failure = theFailure(run)
    expect(failure).toMatch(/^Deregister failed/)
    expect(failure).toMatch(
      /Where the number is: as it was, registered with in-country \(IN\) storage; no settings or register call was made/
    )
    expect(summaryRow(run, 'Deregistered')).toBe('no: the number was left registered')
  })

  it('prints the three-step plan in a dry run, and writes nothing', async () => {
    const { sim, url } = await startSimulator([numberInIndia()])
    const run = await runChecked(moveToGermany(url, { 'dry-run': 'true' }), SECRETS)

    expect(run.exitCode).toBe(0)
    expect(sim.writes()).toEqual([])
    expect(run.outputs).toMatchObject({ success: 'true', result: 'dry-run' })
    const plan = run.stdout.slice(run.stdout.indexOf('A real run would send:'))
    expect(plan).toMatch(/1\. POST .*\/deregister \(no body\), then a read of the number/)
    expect(plan).toMatch(
      /2\. POST .*\/settings with storage_configuration \(IN_COUNTRY_STORAGE_ENABLED, DE\), then a read of the settings/
    )
    expect(plan).toMatch(/3\. POST .*\/register with messaging_product, pin/)
    expect(plan.indexOf('1. POST')).toBeLessThan(plan.indexOf('2. POST'))
    expect(plan.indexOf('2. POST')).toBeLessThan(plan.indexOf('3. POST'))
    expect(run.summary).toContain('one deregister and one register call')
  })

  it('refuses a coexistence number before any write', async () => {
    const { sim, url } = await startSimulator([{ ...numberInIndia(), isOnBizApp: true }])
    const run = await runChecked(moveToGermany(url), SECRETS)

    expect(run.exitCode).toBe(1)
    expect(sim.writes()).toEqual([])
    expect(run.outputs).toMatchObject({ success: 'false', result: 'failed' })
    expect(theFailure(run)).toMatch(/WhatsApp Business app \(coexistence\)/)
  })

  it('is an input error before any request on Graph v20.0 and older', async () => {
    const { sim, url } = await startSimulator([numberInIndia()])
    const run = await runChecked(moveToGermany(url, { 'api-version': 'v20.0' }), SECRETS)

    expect(run.exitCode).toBe(1)
    expect(sim.requests).toEqual([])
    expect(theFailure(run)).toMatch(/on-region-mismatch: re-register needs Graph v21\.0 or newer/)
  })

  it('leaves a number already in the region alone: already-registered, no write', async () => {
    const number = { ...cloudNumber(), storage: { status: 'in_country_storage_enabled' as const, region: 'DE' } }
    const { sim, url } = await startSimulator([number])
    const run = await runChecked(moveToGermany(url), SECRETS)

    expect(run.outputs).toMatchObject({ success: 'true', result: 'already-registered' })
    expect(sim.writes()).toEqual([])
  }) // prettier-ignore
})

describe('on-region-mismatch: fail (the default)', () => {
  it.each([[''], ['fail']])('refuses a registered number in another region before any call (%j)', async value => {
    const { sim, url } = await startSimulator([numberInIndia()])
    const run = await runChecked(
      inputs(url, CLOUD_ID, { 'data-localization-region': 'DE', 'on-region-mismatch': value }),
      SECRETS
    )
    expect(run.exitCode).toBe(1)
    expect(sim.writes()).toEqual([])
    expect(run.outputs).toMatchObject({ success: 'false', result: 'failed', attempts: '0' })
    const failure = theFailure(run)
    expect(failure).toMatch(/storage can only change while a number is not registered/)
    expect(failure).toMatch(/on-region-mismatch: re-register/)
    expect(summaryRow(run, 'Deregistered')).toBeUndefined()
  }) // prettier-ignore
})
