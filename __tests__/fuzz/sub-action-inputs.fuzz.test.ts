import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { readDeregisterSettings } from '../../src/deregister/inputs.js'
import { InputError, type InputSource } from '../../src/input-rules.js'
import { readSetPinSettings } from '../../src/set-pin/inputs.js'
import {
  accessToken,
  anything,
  apiVersion,
  booleanText,
  graphApiUrl,
  padded,
  phoneNumberId,
  pin,
  wholeNumberText
} from './arbitraries.js'

/*
 * Property-based tests of the sub-actions' input readers (deregister, set-pin): they throw nothing
 * but their own validation error, mask the secrets before reading anything else, accept only what
 * is right, and their problems are fixed text that never depends on a value.
 * Reproduce a failure with the seed fast-check prints: FUZZ_SEED=<seed> npm test -- __tests__/fuzz
 */

function parameters<T>(numRuns: number): fc.Parameters<T> {
  const seed = process.env.FUZZ_SEED
  return { numRuns, ...(seed !== undefined && seed !== '' && { seed: Number(seed) }) }
}

const common = {
  'access-token': accessToken,
  'phone-number-id': phoneNumberId,
  'api-version': apiVersion,
  'graph-api-url': graphApiUrl,
  'timeout-seconds': wholeNumberText,
  retries: wholeNumberText,
  'dry-run': booleanText
}
const displayNumber = fc.oneof(
  fc.stringMatching(/^\+?[0-9][0-9 ().-]{3,20}$/),
  padded(fc.stringMatching(/^\+[0-9]{1,3} [0-9]{3}-[0-9]{4}$/)),
  anything,
  fc.constant('')
)

interface Read {
  events: string[]
  outcome: { settings: unknown } | { problems: string[] }
}

function readWith(
  reader: (source: InputSource) => { settings: unknown },
  inputs: Record<string, string>
): Read {
  const events: string[] = []
  const source: InputSource = {
    getInput: name => (events.push(`read ${name}`), inputs[name] ?? ''),
    registerSecret: value => void events.push(`secret ${value}`),
    workspace: '/'
  }
  try {
    return { events, outcome: reader(source) }
  } catch (error) {
    if (error instanceof InputError) return { events, outcome: { problems: error.problems } }
    throw error
  }
}

/** Secrets (non-blank) are registered before any input but the secrets themselves is read. */
function expectMaskedFirst(events: string[], secretInputs: string[]): void {
  const firstOther = events.findIndex(
    event => event.startsWith('read ') && !secretInputs.includes(event.slice(5))
  )
  const lastSecret = events.map(event => event.startsWith('secret ')).lastIndexOf(true)
  if (lastSecret >= 0 && firstOther >= 0) expect(lastSecret).toBeLessThan(firstOther)
}

describe('set-pin inputs', () => {
  it('throw only InputError, mask first, accept only a 6-digit new-pin exactly as given', () => {
    const messages = new Set<string>()
    fc.assert(
      fc.property(fc.record({ ...common, 'new-pin': pin }), inputs => {
        const { events, outcome } = readWith(readSetPinSettings, inputs)
        expectMaskedFirst(events, ['access-token', 'new-pin'])
        if ('problems' in outcome) {
          for (const problem of outcome.problems) messages.add(problem)
          return
        }
        const settings = outcome.settings as { newPin: string }
        expect(settings.newPin).toMatch(/^[0-9]{6}$/)
        expect(settings.newPin).toBe(inputs['new-pin'])
        expect(events).toContain(`secret ${inputs['new-pin']}`)
      }),
      parameters(300)
    )
    // Fixed text: a message that quoted a value would make this set grow with the runs.
    expect(messages.size).toBeLessThanOrEqual(16)
  })
})

describe('deregister inputs', () => {
  it('throw only InputError, mask first, accept only a display number of 5 to 15 digits', () => {
    const messages = new Set<string>()
    fc.assert(
      fc.property(
        fc.record({
          ...common,
          'settle-seconds': wholeNumberText,
          'confirm-display-phone-number': displayNumber
        }),
        inputs => {
          const { events, outcome } = readWith(readDeregisterSettings, inputs)
          expectMaskedFirst(events, ['access-token'])
          if ('problems' in outcome) {
            for (const problem of outcome.problems) messages.add(problem)
            return
          }
          const settings = outcome.settings as { confirmDisplayPhoneNumber: string }
          const digits = settings.confirmDisplayPhoneNumber.replace(/[^0-9]/g, '')
          expect(digits.length).toBeGreaterThanOrEqual(5)
          expect(digits.length).toBeLessThanOrEqual(15)
          expect(settings.confirmDisplayPhoneNumber).toBe(
            inputs['confirm-display-phone-number'].trim()
          )
        }
      ),
      parameters(300)
    )
    expect(messages.size).toBeLessThanOrEqual(18)
  })
})
