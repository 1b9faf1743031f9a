/**
 * Typed stubs of the parts of @actions/core the action uses, for
 * `jest.unstable_mockModule('@actions/core', () => core)`. Nothing is printed or written.
 */
import type * as core from '@actions/core'
import { jest } from '@jest/globals'

export const getInput = jest.fn<typeof core.getInput>()
export const setSecret = jest.fn<typeof core.setSecret>()
export const setOutput = jest.fn<typeof core.setOutput>()
export const setFailed = jest.fn<typeof core.setFailed>()
export const info = jest.fn<typeof core.info>()
export const warning = jest.fn<typeof core.warning>()
export const notice = jest.fn<typeof core.notice>()
export const debug = jest.fn<typeof core.debug>()
export const error = jest.fn<typeof core.error>()

type Summary = typeof core.summary

/** What the summary was given since the last `reset()`, one entry per call. */
const parts: string[] = []
const record = (...args: unknown[]): Summary => {
  parts.push(args.map(arg => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' '))
  return summary as unknown as Summary
}

export const summary = {
  addHeading: jest.fn<Summary['addHeading']>(record),
  addTable: jest.fn<Summary['addTable']>(record),
  addCodeBlock: jest.fn<Summary['addCodeBlock']>(record),
  addList: jest.fn<Summary['addList']>(record),
  addRaw: jest.fn<Summary['addRaw']>(record),
  write: jest.fn<Summary['write']>((): Promise<Summary> =>
    Promise.resolve(summary as unknown as Summary)
  ),
  /** Everything given to the summary since the last `reset()`. */
  text: (): string => parts.join('\n'),
  reset: (): void => {
    parts.length = 0
  }
}
