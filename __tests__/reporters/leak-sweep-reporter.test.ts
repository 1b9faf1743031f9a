import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals'
import { runAction, type ActionRun } from '../../sim/action-runner.js'
import { findLeaks, LEAK_SWEEP_FILE_VARIABLE } from '../e2e/leaks.js'
import LeakSweepReporter, { sweepTotals } from './leak-sweep-reporter.js'

const SECRET = 'Zq8-Lm3vTx9#Rp2'

// This file runs under the reporter too: keep the run's own sweep file out of these tests.
let outer: string | undefined
let dir = ''

beforeEach(() => {
  outer = process.env[LEAK_SWEEP_FILE_VARIABLE]
  delete process.env[LEAK_SWEEP_FILE_VARIABLE]
  dir = mkdtempSync(join(tmpdir(), 'leak-sweep-test-'))
})

afterEach(() => {
  if (outer === undefined) delete process.env[LEAK_SWEEP_FILE_VARIABLE]
  else process.env[LEAK_SWEEP_FILE_VARIABLE] = outer
  rmSync(dir, { recursive: true, force: true })
})

function printed(spy: { mock: { calls: unknown[][] } }): string {
  return spy.mock.calls.map(call => String(call[0])).join('')
}

describe('LeakSweepReporter', () => {
  it('names a fresh file for the workers, then prints its totals and removes it', () => {
    const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true)
    try {
      const reporter = new LeakSweepReporter()
      reporter.onRunStart()
      const file = process.env[LEAK_SWEEP_FILE_VARIABLE] ?? ''
      expect(readFileSync(file, 'utf8')).toBe('')
      writeFileSync(
        file,
        '{"scenarios":1,"secretsChecked":4,"leaksFound":0}\n' +
          '{"scenarios":1,"secretsChecked":3,"leaksFound":2}\n'
      )
      reporter.onRunComplete()
      expect(printed(write)).toBe('Leak sweep: 2 scenarios, 7 secrets checked, 2 leaks found\n')
      expect(existsSync(file)).toBe(false)
      expect(process.env[LEAK_SWEEP_FILE_VARIABLE]).toBeUndefined()
    } finally {
      write.mockRestore()
    }
  })

  it('adds to a file set beforehand and keeps it, so that several runs add up', () => {
    const file = join(dir, 'ci.jsonl')
    writeFileSync(file, '{"scenarios":1,"secretsChecked":4,"leaksFound":0}\n')
    process.env[LEAK_SWEEP_FILE_VARIABLE] = file
    const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true)
    try {
      const reporter = new LeakSweepReporter()
      reporter.onRunStart()
      expect(process.env[LEAK_SWEEP_FILE_VARIABLE]).toBe(file)
      writeFileSync(file, '{"scenarios":1,"secretsChecked":2,"leaksFound":0}\n', { flag: 'a' })
      reporter.onRunComplete()
      expect(printed(write)).toBe('Leak sweep: 2 scenarios, 6 secrets checked, 0 leaks found\n')
      expect(existsSync(file)).toBe(true)
    } finally {
      write.mockRestore()
    }
  })

  it('counts a missing file as no scenarios', () => {
    expect(sweepTotals(join(dir, 'absent.jsonl'))).toEqual({
      scenarios: 0,
      secretsChecked: 0,
      leaksFound: 0
    })
  })
})

describe('findLeaks and the sweep file', () => {
  it('records checks of runs made by runAction, not of runs put together by hand', async () => {
    const file = join(dir, 'sweep.jsonl')
    process.env[LEAK_SWEEP_FILE_VARIABLE] = file
    const script = join(dir, 'print.mjs')
    writeFileSync(script, `console.log('token ${SECRET.slice(0, 7)}')\n`)
    const real = await runAction({}, { script })
    const byHand: ActionRun = { ...real }

    expect(findLeaks(byHand, [SECRET, ''])).toHaveLength(1)
    expect(existsSync(file)).toBe(false)
    expect(findLeaks(real, [SECRET, ''])).toHaveLength(1)
    expect(findLeaks(real, ['another-secret'])).toEqual([])
    expect(readFileSync(file, 'utf8')).toBe(
      '{"scenarios":1,"secretsChecked":1,"leaksFound":1}\n' +
        '{"scenarios":1,"secretsChecked":1,"leaksFound":0}\n'
    )
  }, 30_000)
})
