import { describe, it, expect } from '@jest/globals'
import { response, TIMING } from '../__fixtures__/graph.js'
import { newProgress } from '../src/cancellation.js'
import { NetworkFailure, type GraphClient, type HttpExchange } from '../src/graph.js'
import { setPinWithRetries } from '../src/pin.js'

const ID = '1234567890123456'
const PIN = '061538'
const SUCCESS = response(200, { success: true })
const TIMEOUT = new NetworkFailure('60 s', undefined, true, false)
const REFUSED = new NetworkFailure('ECONNREFUSED', 'ECONNREFUSED', false, false)
const BAD_PARAM = response(400, {
  error: { message: '(#100) Param pin must be 6 digits', code: 100 }
})
const NOT_REGISTERED = response(400, {
  error: { message: 'Phone number Not Registered', code: 133010 }
})

async function setPin(steps: (HttpExchange | NetworkFailure)[], retries = 2) {
  const calls: { path: string; body: unknown }[] = []
  const graph = {
    post: (path: string, body: unknown) => {
      calls.push({ path, body })
      const step = steps.shift()
      if (step === undefined) return Promise.reject(new Error('unexpected call'))
      return step instanceof NetworkFailure ? Promise.reject(step) : Promise.resolve(step)
    }
  } as unknown as GraphClient
  const progress = newProgress()
  const outcome = await setPinWithRetries(
    {
      graph,
      settings: { phoneNumberId: ID, retries },
      env: { timing: TIMING, now: () => 0, sleep: () => Promise.resolve(), log: () => undefined },
      progress
    },
    PIN
  )
  return { outcome, calls, progress }
}

describe('setPinWithRetries', () => {
  it('sends {"pin": …} to the number itself, as a string', async () => {
    const { outcome, calls, progress } = await setPin([SUCCESS])
    expect(outcome).toEqual({ ok: true, attempts: 1, exchange: SUCCESS })
    expect(calls).toEqual([{ path: ID, body: { pin: PIN } }])
    expect(progress).toEqual({ outcomeUnknown: false, calls: 1, carriedOut: true })
  })

  it.each([
    ['a bad parameter', BAD_PARAM],
    ['a number that is not registered', NOT_REGISTERED]
  ])('never retries %s, and knows the PIN did not change', async (_, answer) => {
    const { outcome, calls, progress } = await setPin([answer])
    expect(outcome).toMatchObject({ ok: false, attempts: 1, mayHaveChanged: false })
    expect(calls).toHaveLength(1)
    expect(progress).toEqual({ outcomeUnknown: false, calls: 1, carriedOut: false })
  })

  it('sends the same PIN again after a timeout (harmless), and succeeds', async () => {
    const { outcome, calls } = await setPin([TIMEOUT, SUCCESS])
    expect(outcome).toMatchObject({ ok: true, attempts: 2 })
    expect(calls.map(call => call.body)).toEqual([{ pin: PIN }, { pin: PIN }])
  })

  it('retries a connection refused before sending, and the PIN is known unchanged', async () => {
    const { outcome, progress } = await setPin([REFUSED], 0)
    expect(outcome).toMatchObject({ ok: false, mayHaveChanged: false })
    expect(progress.outcomeUnknown).toBe(false)
  })

  it.each<[string, (HttpExchange | NetworkFailure)[]]>([
    ['every attempt timed out', [TIMEOUT, TIMEOUT, TIMEOUT]],
    ['a timeout, then a refusal', [TIMEOUT, BAD_PARAM]],
    ['a 502 from a gateway', [response(502, 'Bad Gateway'), TIMEOUT, TIMEOUT]]
  ])('says the PIN may have changed when %s', async (_, steps) => {
    const { outcome, progress } = await setPin(steps)
    expect(outcome).toMatchObject({ ok: false, mayHaveChanged: true })
    expect(progress.outcomeUnknown).toBe(true)
  })
})
