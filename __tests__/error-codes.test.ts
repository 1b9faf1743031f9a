import { describe, it, expect } from '@jest/globals'
import { KNOWN_ERRORS, lookupKnownError, type RetryPolicy } from '../src/error-codes.js'

const SMB_MESSAGE = 'Register endpoint is not available for SMB businesses'

describe('lookupKnownError', () => {
  it.each<[string, number | undefined, number | undefined, string, string | undefined]>([
    ['a plain code', 133005, undefined, '', '133005'],
    ['a code with an unknown subcode', 190, 463, '', '190 (subcodes 460, 463, 467)'],
    ['100 with its own subcode 33', 100, 33, '', '100 (subcode 33)'],
    ['subcode 33 wins over the SMB message', 100, 33, SMB_MESSAGE, '100 (subcode 33)'],
    [
      '100 with the SMB message',
      100,
      undefined,
      SMB_MESSAGE,
      '100 ("not available for SMB businesses")'
    ],
    [
      'the SMB message wins over a known subcode',
      100,
      133005,
      SMB_MESSAGE,
      '100 ("not available for SMB businesses")'
    ],
    ['100 with a known code as subcode', 100, 133005, '(#100) Invalid parameter', '133005'],
    ['100 with 133016 as subcode', 100, 133016, '', '133016'],
    ['100 with 2494100 as subcode', 100, 2494100, '', '2494100'],
    ['100 with an unknown subcode', 100, 2018001, 'Invalid parameter', '100'],
    ['100 alone', 100, undefined, '', '100'],
    ['a known subcode without a code', undefined, 133005, '', '133005'],
    ['subcode 33 without code 100', undefined, 33, '', undefined],
    [
      'a known code as subcode of a rate limit stays the rate limit',
      4,
      133004,
      '',
      '4, 80007, 130429'
    ],
    [
      'a known code as subcode of the token error stays the token error',
      190,
      2,
      '',
      '190 (subcodes 460, 463, 467)'
    ],
    ['an unknown code', 987654, undefined, '', undefined],
    ['nothing', undefined, undefined, '', undefined],
    ['code 0', 0, undefined, '', '0, 10, 200–299'],
    ['code 10', 10, undefined, '', '0, 10, 200–299'],
    ['code 200', 200, undefined, '', '0, 10, 200–299'],
    ['code 299', 299, undefined, '', '0, 10, 200–299'],
    ['code 199 is not a permission code', 199, undefined, '', undefined],
    ['code 300 is not a permission code', 300, undefined, '', undefined],
    [
      'a message that only mentions SMB under another code',
      131000,
      undefined,
      SMB_MESSAGE,
      '131000'
    ],
    ['the SMB match is case-sensitive text', 100, undefined, 'NOT AVAILABLE FOR SMB', '100'],
    [
      'an override before the app is subscribed',
      100,
      undefined,
      '(#100) Before override the current callback uri, your app must be subscribed to receive messages for WhatsApp Business Account.',
      '100 ("must be subscribed")'
    ],
    ['a failed callback verification', 2200, undefined, '', '2200'],
    [
      "deregister's SMB message",
      100,
      undefined,
      'Deregister endpoint is not available for API solution for SMB businesses.',
      '100 ("not available for SMB businesses")'
    ],
    ['a number not registered (deregister)', 100, 2207051, '', '100 (subcode 2207051)']
  ])('%s', (_, code, subcode, message, label) => {
    expect(lookupKnownError(code, subcode, message)?.label).toBe(label)
  })

  it('defaults the message to none', () => {
    expect(lookupKnownError(100, undefined)?.label).toBe('100')
  })
})

describe('KNOWN_ERRORS', () => {
  const policyOf = (code: number): RetryPolicy | undefined =>
    lookupKnownError(code, undefined)?.retry

  it.each([133005, 133016, 4, 80007, 130429, 190, 100, 133008, 133009, 133015, 10, 200])(
    'never retries %i, even when Meta marks it transient',
    code => {
      expect(policyOf(code)).toBe('never')
    }
  )

  it.each([1, 2, 131000])('reads the number before retrying %i: the outcome is uncertain', code => {
    expect(policyOf(code)).toBe('read-then-backoff')
  })

  it('backs off and retries 133004', () => {
    expect(policyOf(133004)).toBe('backoff')
  })

  it.each([2494100, 131057])('retries maintenance %i only when the server says when', code => {
    expect(policyOf(code)).toBe('retry-after-only')
  })

  it.each([
    [100, 2, '100'],
    [100, 4, '100'],
    [100, 200, '100'],
    [100, 133005, '133005'],
    [undefined, 133016, '133016']
  ])(
    "reads subcode %i under %s as a code of its own only when it is WhatsApp's",
    (code, subcode, label) => {
      expect(lookupKnownError(code, subcode)?.label).toBe(label)
    }
  )

  it.each([133000, 133006, 133010, 2388001, 2388012, 2388091, 2388093, 2388103, 131045, 2200])(
    'does not retry %i on its own',
    code => {
      expect(policyOf(code)).toBe('no')
    }
  )

  it('has one entry per label, each with a meaning and an action', () => {
    const labels = KNOWN_ERRORS.map(entry => entry.label)
    expect(new Set(labels).size).toBe(labels.length)
    for (const entry of KNOWN_ERRORS) {
      expect(entry.codes.length).toBeGreaterThan(0)
      expect(entry.meaning.length).toBeGreaterThan(10)
      expect(entry.action.length).toBeGreaterThan(10)
    }
  })

  it('gives each plain code at most one entry, so that the lookup is not decided by order', () => {
    const plain = KNOWN_ERRORS.filter(
      e => e.subcode === undefined && e.messageIncludes === undefined
    )
    const codes = plain.flatMap(entry => entry.codes)
    expect(new Set(codes).size).toBe(codes.length)
  })
})
