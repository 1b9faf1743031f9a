/**
 * Local storage the way Meta documents it from Graph v21.0 (issue 11): the region through the
 * number's settings before registering, checked afterwards; the body field only before v21.0; a
 * registered number in another region refused before any call; and the number's state as outputs.
 */
import { afterAll, describe, expect, it as jestIt, jest } from '@jest/globals'
import type { GraphSimulator } from '../../sim/graph-simulator.js'
import {
  CLOUD_ID,
  cloudNumber,
  inputs,
  NEW_NUMBER_ID,
  newNumber,
  PIN,
  runChecked,
  startSimulator,
  stopSimulators,
  summaryRow,
  theFailure,
  TOKEN,
  expectRegistered
} from './action-scenario.js'

jest.setTimeout(30_000)
// Independent scenarios, each with its own simulator, run side by side: most of their time is waiting.
const it = jestIt.concurrent
afterAll(stopSimulators)

const SECRETS = [TOKEN, PIN]

/** `METHOD route` of every request, in order. */
function calls(sim: GraphSimulator): string[] {
  return sim.requests.map(request => `${request.method} ${request.route}`)
}

describe('v21.0 and newer: the region through the settings', () => {
  it('sets the region, registers without the field, and checks the storage afterwards', async () => {
    const { sim, url } = await startSimulator([newNumber()])
    const run = await runChecked(
      inputs(url, NEW_NUMBER_ID, { 'data-localization-region': 'DE' }),
      SECRETS
    )
    expectRegistered(run, 1)
    expect(calls(sim)).toEqual([
      'GET read',
      'GET settings',
      'POST settings',
      'POST register',
      'GET read',
      'GET settings'
    ])
    const settingsWrite = sim.requests.find(r => r.method === 'POST' && r.route === 'settings')
    expect(settingsWrite?.json).toEqual({
      storage_configuration: {
        status: 'IN_COUNTRY_STORAGE_ENABLED',
        data_localization_region: 'DE'
      }
    })
    expect(sim.registerCalls()[0]?.json).toEqual({ messaging_product: 'whatsapp', pin: PIN })
    expect(run.outputs['storage-region']).toBe('DE')
    const number = JSON.parse(run.outputs.number ?? '') as Record<string, unknown>
    expect(number).toMatchObject({
      id: NEW_NUMBER_ID,
      platform_type: 'CLOUD_API',
      storage_configuration: { data_localization_region: 'DE' }
    })
    expect(JSON.parse(run.outputs['number-before'] ?? '')).toMatchObject({
      platform_type: 'NOT_APPLICABLE',
      storage_configuration: { status: 'default' }
    })
    expect(summaryRow(run, 'Storage after')).toBe('in-country (DE)')
  })

  it('writes nothing when the storage is already in the region (either letter case)', async () => {
    const number = {
      ...newNumber(),
      storage: { status: 'IN_COUNTRY_STORAGE_ENABLED' as const, region: 'DE' }
    }
    const { sim, url } = await startSimulator([number])
    const run = await runChecked(
      inputs(url, NEW_NUMBER_ID, { 'data-localization-region': 'de' }),
      SECRETS
    )
    expectRegistered(run, 1)
    expect(calls(sim)).toEqual([
      'GET read',
      'GET settings',
      'POST register',
      'GET read',
      'GET settings'
    ])
  })

  it('refuses a registered number in another region before any call', async () => {
    const { sim, url } = await startSimulator([cloudNumber()])
    const run = await runChecked(
      inputs(url, CLOUD_ID, { 'data-localization-region': 'IN' }),
      SECRETS
    )
    expect(run.exitCode).toBe(1)
    expect(sim.writes()).toEqual([])
    expect(run.outputs).toMatchObject({ success: 'false', result: 'failed' })
    expect(theFailure(run)).toMatch(/storage can only change while a number is not registered/)
    expect(theFailure(run)).toMatch(/deregister/)
  })

  it('leaves a registered number in the asked region alone: already-registered, no call', async () => {
    const number = {
      ...cloudNumber(),
      storage: { status: 'in_country_storage_enabled' as const, region: 'IN' }
    }
    const { sim, url } = await startSimulator([number])
    const run = await runChecked(
      inputs(url, CLOUD_ID, { 'data-localization-region': 'IN' }),
      SECRETS
    )
    expect(run.outputs).toMatchObject({
      success: 'true',
      result: 'already-registered',
      'storage-region': 'IN'
    })
    expect(sim.writes()).toEqual([])
  })

  it('makes no register call when the settings write fails', async () => {
    const { sim, url } = await startSimulator([newNumber()])
    sim.script(
      'settings',
      [{ kind: 'graph-error', status: 400, code: 100, message: 'Invalid parameter' }],
      {
        method: 'POST'
      }
    )
    const run = await runChecked(
      inputs(url, NEW_NUMBER_ID, { 'data-localization-region': 'DE' }),
      SECRETS
    )
    expect(run.exitCode).toBe(1)
    expect(sim.registerCalls()).toHaveLength(0)
    expect(theFailure(run)).toMatch(
      /^Setting local storage in DE failed \(no register call was made\)/
    )
  })

  it('fails, result registered, when the storage is not as asked after registering', async () => {
    const { sim, url } = await startSimulator([newNumber()])
    // The write answers success but changes nothing, as a backend that ignored it would.
    sim.script('settings', [{ kind: 'respond', status: 200, body: '{"success":true}' }], {
      method: 'POST'
    })
    const run = await runChecked(
      inputs(url, NEW_NUMBER_ID, { 'data-localization-region': 'DE' }),
      SECRETS
    )
    expect(run.exitCode).toBe(1)
    expect(sim.registerCalls()).toHaveLength(1)
    expect(run.outputs).toMatchObject({
      success: 'false',
      result: 'registered',
      'storage-region': ''
    })
    expect(theFailure(run)).toMatch(
      /^The number is registered, but its storage is default, not in-country storage in DE/
    )
  })

  it('plans the settings call in a dry run, and writes nothing', async () => {
    const { sim, url } = await startSimulator([newNumber()])
    const run = await runChecked(
      inputs(url, NEW_NUMBER_ID, { 'data-localization-region': 'DE', 'dry-run': 'true' }),
      SECRETS
    )
    expect(run.outputs.result).toBe('dry-run')
    expect(sim.writes()).toEqual([])
    expect(run.stdout).toMatch(
      /A real run would send: POST .*\/settings with storage_configuration \(IN_COUNTRY_STORAGE_ENABLED, DE\); then POST .*\/register/
    )
  })

  it('reports the storage without changing it when no region is asked', async () => {
    const number = {
      ...newNumber(),
      storage: { status: 'in_country_storage_enabled' as const, region: 'SG' }
    }
    const { sim, url } = await startSimulator([number])
    const run = await runChecked(inputs(url, NEW_NUMBER_ID), SECRETS)
    expectRegistered(run, 1)
    expect(calls(sim)).toEqual(['GET read', 'GET settings', 'POST register', 'GET read'])
    expect(run.outputs['storage-region']).toBe('SG')
  })
})

describe('v20.0 and older: the region in the register body', () => {
  it('sends data_localization_region and makes no settings call', async () => {
    const { sim, url } = await startSimulator([newNumber()])
    const run = await runChecked(
      inputs(url, NEW_NUMBER_ID, { 'data-localization-region': 'DE', 'api-version': 'v20.0' }),
      SECRETS
    )
    expectRegistered(run, 1)
    expect(calls(sim)).toEqual(['GET read', 'POST register', 'GET read'])
    expect(sim.registerCalls()[0]?.json).toEqual({
      messaging_product: 'whatsapp',
      pin: PIN,
      data_localization_region: 'DE'
    })
    expect(run.outputs).not.toHaveProperty('storage-region')
  })
})
