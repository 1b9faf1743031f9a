import { afterEach, describe, expect, it } from '@jest/globals'
import { TIMING } from '../__fixtures__/graph.js'
import { newProgress } from '../src/cancellation.js'
import { GraphClient } from '../src/graph.js'
import type { Host } from '../src/host.js'
import { PhoneNumberReader, type PhoneNumberState } from '../src/phone-number.js'
import { Redactor } from '../src/redact.js'
import {
  deregisterAndStore,
  plannedRegionChange,
  whereAfterRegisterFailure,
  withWhere,
  type RegionChangeContext
} from '../src/region-change.js'
import { StorageSettings } from '../src/storage.js'
import {
  GraphSimulator,
  type GraphSimulatorOptions,
  type SimNumber
} from '../sim/graph-simulator.js'

const TOKEN = 'EAAGm0PX4ZCpsBAKZAB1rT2xQv9Lw7'
const ID = '3333333333333333'
const IN_INDIA: SimNumber = {
  id: ID,
  displayPhoneNumber: '+1 555-0103',
  verifiedName: 'Acme Cloud',
  platformType: 'CLOUD_API',
  status: 'CONNECTED',
  pin: '004217',
  storage: { status: 'in_country_storage_enabled', region: 'IN' }
}
const BEFORE: PhoneNumberState = {
  id: ID,
  displayPhoneNumber: '+1 555-0103',
  platformType: 'CLOUD_API',
  status: 'CONNECTED'
}
const REQUEST = {
  before: BEFORE,
  storage: { status: 'in_country_storage_enabled', region: 'IN' },
  region: 'DE' as const
}

let sim: GraphSimulator | undefined
afterEach(async () => {
  await sim?.stop()
  sim = undefined
})

async function contextFor(
  number: SimNumber,
  options: Partial<GraphSimulatorOptions> = {},
  retries = 0
): Promise<RegionChangeContext & { lines: string[] }> {
  sim = new GraphSimulator({ numbers: [number], tokens: [TOKEN], ...options })
  const url = await sim.start()
  const graph = new GraphClient({
    baseUrl: url,
    apiVersion: 'v26.0',
    accessToken: TOKEN,
    timeoutMs: 5000,
    userAgent: 'test/1.0.0'
  })
  const lines: string[] = []
  const env = {
    timing: TIMING,
    now: Date.now,
    sleep: () => Promise.resolve(),
    log: (line: string) => lines.push(line)
  }
  return {
    settings: { phoneNumberId: ID, apiVersion: 'v26.0', graphApiUrl: url, retries, settleMs: 0 },
    graph,
    numbers: new PhoneNumberReader(graph, ID),
    storage: new StorageSettings(graph, ID, env, 1 + retries),
    env,
    progress: newProgress(),
    redactor: new Redactor([TOKEN]),
    host: { info: (line: string) => lines.push(line) } as unknown as Host,
    warn: line => lines.push(`warning: ${line}`),
    lines
  }
}

function writes(): string[] {
  return sim?.writes().map(request => request.route) ?? []
}

describe('deregisterAndStore', () => {
  it('deregisters and stores in the region, each confirmed by a read, and tracks its own call', async () => {
    const context = await contextFor(IN_INDIA)
    const progress = newProgress()
    const outcome = await deregisterAndStore(context, REQUEST, progress)
    context.graph.dispose()
    expect(outcome).toMatchObject({
      kind: 'ready',
      state: { platformType: 'NOT_APPLICABLE' },
      storage: { status: 'in_country_storage_enabled', region: 'DE' },
      deregistration: { attempts: 1, done: 'yes' }
    })
    expect(sim?.requests.map(r => `${r.method} ${r.route}`)).toEqual([
      'POST deregister',
      'GET read',
      'POST settings',
      'GET settings'
    ])
    // The deregister call is counted apart from the flow's register calls.
    expect(progress).toMatchObject({ calls: 1, carriedOut: true, outcomeUnknown: false })
    expect(context.progress.calls).toBe(0)
  })

  it('stops before the settings call when the read still shows the number on CLOUD_API', async () => {
    const context = await contextFor(IN_INDIA, {
      afterDeregister: { platformType: 'CLOUD_API', status: 'DISCONNECTED' }
    })
    const outcome = await deregisterAndStore(context, REQUEST)
    context.graph.dispose()
    expect(writes()).toEqual(['deregister'])
    expect(outcome).toMatchObject({
      kind: 'stopped',
      result: 'failed',
      deregistration: { attempts: 1, done: 'unknown' }
    })
    const message = outcome.kind === 'stopped' ? outcome.message : ''
    expect(message).toMatch(/^Deregister was answered with success, but the read afterwards still shows platform CLOUD_API/) // prettier-ignore
    expect(message).toMatch(/Where the number is: most likely deregistered/)
    expect(message).toMatch(/run this action again with the same inputs to finish/)
  })

  it('stops, uncertain, when nothing settles the deregister call', async () => {
    const context = await contextFor(IN_INDIA)
    sim?.script('deregister', [{ kind: 'respond', status: 502, body: '<html>Bad Gateway</html>' }])
    sim?.script('read', [{ kind: 'graph-error', status: 400, code: 100, subcode: 33 }])
    const outcome = await deregisterAndStore(context, REQUEST)
    context.graph.dispose()
    expect(writes()).toEqual(['deregister'])
    expect(outcome).toMatchObject({
      kind: 'stopped',
      result: 'uncertain',
      deregistration: { attempts: 1, done: 'unknown' }
    })
    const message = outcome.kind === 'stopped' ? outcome.message : ''
    expect(message.split('\n')[0]).toMatch(/^The outcome of the deregister call is uncertain/)
    expect(message.split('\n')[1]).toMatch(
      /^Where the number is: unknown: either still registered with in-country \(IN\) storage, or deregistered/
    )
  })

  it('stops before registering when the storage read does not confirm the region', async () => {
    const context = await contextFor(IN_INDIA)
    // The write answers success but changes nothing, as a backend that ignored it would.
    sim?.script('settings', [{ kind: 'respond', status: 200, body: '{"success":true}' }], {
      method: 'POST'
    })
    const outcome = await deregisterAndStore(context, REQUEST)
    context.graph.dispose()
    expect(writes()).toEqual(['deregister', 'settings'])
    expect(outcome).toMatchObject({
      kind: 'stopped',
      result: 'failed',
      storage: { status: 'default' },
      after: { platformType: 'NOT_APPLICABLE' },
      deregistration: { attempts: 1, done: 'yes' }
    })
    const message = outcome.kind === 'stopped' ? outcome.message : ''
    expect(message).toMatch(/the storage reads default, not in-country storage in DE/)
    expect(message).toMatch(/Where the number is: deregistered \(offline\), not registered/)
  })

  it('stops before registering when the storage cannot be read back', async () => {
    const context = await contextFor(IN_INDIA)
    sim?.script('settings', [{ kind: 'graph-error', status: 400, code: 100 }], { method: 'GET' })
    const outcome = await deregisterAndStore(context, REQUEST)
    context.graph.dispose()
    expect(writes()).toEqual(['deregister', 'settings'])
    expect(outcome).toMatchObject({ kind: 'stopped', result: 'failed', failure: { code: 100 } })
    const message = outcome.kind === 'stopped' ? outcome.message : ''
    expect(message).toMatch(/^The settings write was answered with success, but reading the settings/) // prettier-ignore
  })

  it('refuses a coexistence number before any call, whatever the caller read', async () => {
    const context = await contextFor({ ...IN_INDIA, isOnBizApp: true })
    const outcome = await deregisterAndStore(context, {
      ...REQUEST,
      before: { ...BEFORE, isOnBizApp: true }
    })
    context.graph.dispose()
    expect(sim?.requests).toEqual([])
    expect(outcome).toMatchObject({
      kind: 'stopped',
      result: 'failed',
      deregistration: { attempts: 0, done: 'no' }
    })
    const message = outcome.kind === 'stopped' ? outcome.message : ''
    expect(message).toMatch(/coexistence/)
    expect(message).toMatch(/Where the number is: as it was/)
  })
})

describe('the words of a region change', () => {
  it('puts where the number is right after the first line', () => {
    expect(withWhere('What failed: x\nWhat to do: y', 'Where: z')).toBe(
      'What failed: x\nWhere: z\nWhat to do: y'
    )
    expect(withWhere('What failed: x', 'Where: z')).toBe('What failed: x\nWhere: z')
  })

  it('says where a failed or uncertain register call left the number', () => {
    expect(whereAfterRegisterFailure('DE', false)).toMatch(
      /deregistered \(offline\), in-country storage in DE, not registered/
    )
    expect(whereAfterRegisterFailure('DE', true)).toMatch(/registered or not is unknown/)
  })

  it('plans three steps in order, with no secret value', () => {
    const plan = plannedRegionChange(
      { graphApiUrl: 'https://graph.facebook.com', apiVersion: 'v26.0', phoneNumberId: ID },
      'DE',
      `POST https://graph.facebook.com/v26.0/${ID}/register with messaging_product, pin`
    )
    const lines = plan.split('\n')
    expect(lines).toHaveLength(4)
    expect(lines[1]).toMatch(/^1\. POST .*\/deregister/)
    expect(lines[2]).toMatch(/^2\. POST .*\/settings .*DE/)
    expect(lines[3]).toMatch(/^3\. POST .*\/register with messaging_product, pin/)
  })
})
