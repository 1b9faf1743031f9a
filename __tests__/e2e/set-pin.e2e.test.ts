/**
 * The set-pin sub-action (issue 13), its committed bundle run as a runner runs it against the
 * simulator: only a registered number gets the new PIN, the PIN is masked and sent exactly, an
 * unregistered number or a bad PIN makes no write, and the summary says to store the new PIN first.
 */
import { afterAll, describe, expect, it as jestIt, jest } from '@jest/globals'
import {
  CLOUD_ID,
  cloudNumber,
  infoLines,
  inputs,
  NEW_NUMBER_ID,
  newNumber,
  PIN,
  routes,
  runChecked,
  startSimulator,
  stopSimulators,
  summaryRow,
  theFailure,
  TOKEN
} from './action-scenario.js'
import { NEW_PIN, runSetPin, setPinInputs } from './lifecycle-scenario.js'

jest.setTimeout(30_000)
// Independent scenarios, each with its own simulator, run side by side: most of their time is waiting.
const it = jestIt.concurrent
afterAll(stopSimulators)

const SECRETS = [TOKEN, NEW_PIN]
const STORE_IT = /Before anything else, store the new PIN where the register step reads it/

describe('set-pin', () => {
  it('sets the PIN of a registered number, exactly as given, and says to store it first', async () => {
    const { sim, url } = await startSimulator([cloudNumber()])
    const run = await runSetPin(setPinInputs(url, CLOUD_ID), SECRETS)

    expect(run.exitCode).toBe(0)
    expect(routes(sim.requests)).toEqual(['read', 'pin'])
    const call = sim.writes()[0]
    expect(call).toMatchObject({ method: 'POST', path: `/v26.0/${CLOUD_ID}` })
    expect(call?.body).toBe(`{"pin":"${NEW_PIN}"}`)
    expect(sim.number(CLOUD_ID).pin).toBe(NEW_PIN)
    expect(run.outputs).toEqual({
      success: 'true',
      result: 'pin-set',
      'fbtrace-id': expect.any(String)
    })
    expect(summaryRow(run, 'Result')).toBe('✅ PIN set')
    expect(run.summary).toMatch(STORE_IT)
    // The summary's first section after the table is the reminder.
    expect(run.summary.indexOf('What to do next')).toBeLessThan(run.summary.indexOf('<li>'))
  })

  it('leaves the number registering with the new PIN, and no longer with the old one', async () => {
    const { sim, url } = await startSimulator([cloudNumber()])
    await runSetPin(setPinInputs(url, CLOUD_ID), SECRETS)
    const registerAgain = { 'skip-if-registered': 'false', retries: '0' }
    const old = await runChecked(inputs(url, CLOUD_ID, registerAgain), [TOKEN, PIN])
    expect(old.outputs).toMatchObject({ result: 'failed', 'error-code': '133005' })
    const fresh = await runChecked(
      inputs(url, CLOUD_ID, { ...registerAgain, pin: NEW_PIN }),
      SECRETS
    )
    expect(fresh.outputs).toMatchObject({ result: 'registered' })
    expect(sim.registerCalls()).toHaveLength(2)
  })

  it('makes no write for a number that is not registered, and says the register call sets the PIN', async () => {
    const { sim, url } = await startSimulator([newNumber()])
    const run = await runSetPin(setPinInputs(url, NEW_NUMBER_ID), SECRETS)

    expect(run.exitCode).toBe(1)
    expect(sim.writes()).toEqual([])
    expect(sim.number(NEW_NUMBER_ID).pin).toBeNull()
    expect(run.outputs).toMatchObject({ success: 'false', result: 'failed' })
    expect(theFailure(run)).toMatch(
      /^The number is not registered \(platform NOT_APPLICABLE, status PENDING\): a PIN can only be set on a number on CLOUD_API and CONNECTED, so no call was made and the PIN was not changed\. When the number has no PIN yet, the PIN given to the register call becomes its PIN/
    )
    expect(run.summary).not.toMatch(STORE_IT)
  })

  it('never retries a refusal, and redacts a PIN Graph echoes back', async () => {
    const { sim, url } = await startSimulator([cloudNumber()])
    sim.script('pin', [
      {
        kind: 'graph-error',
        status: 400,
        code: 100,
        message: `(#100) Param pin ${NEW_PIN} is not allowed for this number`
      }
    ])
    const run = await runSetPin(setPinInputs(url, CLOUD_ID, { retries: '3' }), SECRETS)

    expect(run.exitCode).toBe(1)
    expect(sim.writes()).toHaveLength(1)
    expect(sim.number(CLOUD_ID).pin).toBe(PIN)
    expect(run.outputs).toMatchObject({ success: 'false', result: 'failed', 'error-code': '100' })
    const failure = theFailure(run)
    expect(failure).toMatch(
      /^Setting the PIN failed: HTTP 400, Graph error \(code 100\): \(#100\) Param pin \*\*\* is not allowed/
    )
    expect(failure).toMatch(/Not retried: a retry cannot help with this error \(1 PIN call made\)/)
    expect(run.summary).toContain(
      'The PIN was not changed: the register step still needs the old PIN.'
    )
  })

  it('retries a transient failure once and sets the PIN', async () => {
    const { sim, url } = await startSimulator([cloudNumber()])
    sim.script('pin', [{ kind: 'graph-error', status: 503, code: 133004 }])
    const run = await runSetPin(setPinInputs(url, CLOUD_ID), SECRETS)
    expect(run.exitCode).toBe(0)
    expect(routes(sim.requests)).toEqual(['read', 'pin', 'pin'])
    expect(run.outputs.result).toBe('pin-set')
  })

  it('sends the same PIN again after a timeout: setting it twice is harmless', async () => {
    const { sim, url } = await startSimulator([cloudNumber()])
    sim.script('pin', [{ kind: 'process-then-hang' }])
    const run = await runSetPin(
      setPinInputs(url, CLOUD_ID, { 'timeout-seconds': '1', retries: '1' }),
      SECRETS
    )
    expect(run.exitCode).toBe(0)
    expect(routes(sim.requests)).toEqual(['read', 'pin', 'pin'])
    expect(run.outputs.result).toBe('pin-set')
    expect(sim.number(CLOUD_ID).pin).toBe(NEW_PIN)
  })

  it('says the PIN may have changed when no attempt ended with an answer', async () => {
    const { sim, url } = await startSimulator([cloudNumber()])
    sim.script('pin', [{ kind: 'process-then-hang' }])
    const run = await runSetPin(
      setPinInputs(url, CLOUD_ID, { 'timeout-seconds': '1', retries: '0' }),
      SECRETS
    )
    expect(run.exitCode).toBe(1)
    expect(sim.writes()).toHaveLength(1)
    expect(run.outputs).toMatchObject({ success: 'false', result: 'failed' })
    expect(theFailure(run)).toMatch(
      /^The outcome of the PIN change is unknown: No complete response within 1 s\.[\s\S]*The PIN may be the new one or still the old one: before anything else, run set-pin again with the same new-pin/
    )
  })

  it('stops before any write when the number cannot be read', async () => {
    const { sim, url } = await startSimulator([cloudNumber()])
    const run = await runSetPin(setPinInputs(url, '628497518833074'), SECRETS)
    expect(run.exitCode).toBe(1)
    expect(sim.writes()).toEqual([])
    expect(run.outputs).toMatchObject({
      result: 'failed',
      'error-code': '100',
      'error-subcode': '33'
    })
    expect(theFailure(run)).toMatch(/^Reading the number failed \(the PIN was not changed\)/)
  })
})

describe('dry run', () => {
  it('reads the number, plans the call by its field names, and writes nothing', async () => {
    const { sim, url } = await startSimulator([cloudNumber()])
    const run = await runSetPin(setPinInputs(url, CLOUD_ID, { 'dry-run': 'true' }), SECRETS)

    expect(run.exitCode).toBe(0)
    expect(sim.writes()).toEqual([])
    expect(sim.number(CLOUD_ID).pin).toBe(PIN)
    expect(run.outputs).toMatchObject({ success: 'true', result: 'dry-run' })
    expect(infoLines(run)).toContainEqual(
      `Dry run: no PIN change. A real run would send: POST ${url}/v26.0/${CLOUD_ID} with pin`
    )
    expect(run.summary).toContain('A real run changes the PIN')
  })

  it('fails like a real run for a number that is not registered, and writes nothing', async () => {
    const { sim, url } = await startSimulator([newNumber()])
    const run = await runSetPin(setPinInputs(url, NEW_NUMBER_ID, { 'dry-run': 'true' }), SECRETS)
    expect(run.exitCode).toBe(1)
    expect(sim.writes()).toEqual([])
    expect(run.outputs.result).toBe('failed')
  })
})

describe('a bad new-pin', () => {
  it.each<[string, string, RegExp]>([
    ['5 digits', '61538', /^- new-pin: expected exactly 6 digits/],
    ['a letter', '0615a8', /^- new-pin: expected exactly 6 digits/],
    [
      'a trailing newline',
      `${NEW_PIN}\n`,
      /^- new-pin: has spaces or a line break around its 6 digits/
    ],
    ['nothing', '', /^- new-pin: required/]
  ])('is an input error before any request: %s', async (_, value, problem) => {
    const { sim, url } = await startSimulator([cloudNumber()])
    const run = await runSetPin(setPinInputs(url, CLOUD_ID, { 'new-pin': value }), [TOKEN, value])
    expect(run.exitCode).toBe(1)
    expect(sim.requests).toHaveLength(0)
    expect(run.outputs).toMatchObject({ success: 'false', result: 'failed' })
    expect(theFailure(run).split('\n')).toEqual(['Invalid inputs:', expect.stringMatching(problem)])
  })

  it('reports every problem at once', async () => {
    const { sim, url } = await startSimulator([cloudNumber()])
    const run = await runSetPin(
      setPinInputs(url, 'not-an-id', { 'new-pin': '9q', retries: '99' }),
      [TOKEN, '9q']
    )
    expect(sim.requests).toHaveLength(0)
    expect(
      theFailure(run)
        .split('\n')
        .slice(1)
        .map(line => line.split(':')[0])
    ).toEqual(['- phone-number-id', '- new-pin', '- retries'])
  })
})
