import { describe, it, expect } from '@jest/globals'
import type { Settings } from '../src/inputs.js'
import {
  longestCallRunMs,
  longestRunMs,
  minutesAndSeconds,
  regionChangeMs,
  wiringCalls
} from '../src/longest-run.js'
import { DEFAULT_TIMING } from '../src/retry.js'

const BASE: Settings = {
  accessToken: 'token',
  phoneNumberId: '1',
  pin: '004217',
  apiVersion: 'v26.0',
  graphApiUrl: 'https://graph.facebook.com',
  timeoutMs: 60_000,
  retries: 2,
  settleMs: 30_000,
  preflight: true,
  skipIfRegistered: true,
  dryRun: false
}

describe('longestRunMs', () => {
  it('adds reads, register calls with their settle windows, pauses and the post-check', () => {
    // 3 reads + 2 pauses, 3 × (call + wait for the window or the call + last read) + 2 pauses,
    // post-check, one extra read for a rejected field.
    const T = 60_000
    const pause = 60_000
    expect(longestRunMs(BASE, DEFAULT_TIMING)).toBe(
      3 * T + 2 * pause + 3 * (T + T + T) + 2 * pause + T + T
    )
  })

  it('counts a settle window longer than the timeout in full', () => {
    const settings = { ...BASE, timeoutMs: 10_000, retries: 0, settleMs: 120_000 }
    expect(longestRunMs(settings, DEFAULT_TIMING)).toBe(
      10_000 + (10_000 + 120_000 + 10_000) + 10_000 + 10_000
    )
  })

  it('grows with every input that can lengthen a run', () => {
    const base = longestRunMs(BASE, DEFAULT_TIMING)
    expect(longestRunMs({ ...BASE, retries: 3 }, DEFAULT_TIMING)).toBeGreaterThan(base)
    expect(longestRunMs({ ...BASE, timeoutMs: 61_000 }, DEFAULT_TIMING)).toBeGreaterThan(base)
    expect(longestRunMs({ ...BASE, settleMs: 300_000 }, DEFAULT_TIMING)).toBeGreaterThan(base)
  })

  it('counts reads only for a dry run, and no reads without preflight', () => {
    expect(longestRunMs({ ...BASE, dryRun: true }, DEFAULT_TIMING)).toBe(
      3 * 60_000 + 2 * 60_000 + 60_000
    )
    const noReads = longestRunMs({ ...BASE, preflight: false, retries: 0 }, DEFAULT_TIMING)
    expect(noReads).toBe(60_000 + 60_000 + 60_000 + 60_000)
  })
})

describe('wiringCalls', () => {
  const webhook = { callbackUrl: 'https://bot.example.com/hook', verifyToken: 'vt' }

  it('counts each wiring call a run can make, like a read', () => {
    expect(wiringCalls(BASE)).toBe(0)
    // app, subscribed apps, subscribe, read again, webhook configuration
    expect(wiringCalls({ ...BASE, wiring: { wabaId: '2' } })).toBe(5)
    expect(wiringCalls({ ...BASE, wiring: { wabaId: '2', appId: '3' } })).toBe(4)
    // … and the override and its read-back
    expect(wiringCalls({ ...BASE, wiring: { wabaId: '2', webhook } })).toBe(7)
    // A dry run only reads: app, subscribed apps, webhook configuration.
    expect(wiringCalls({ ...BASE, dryRun: true, wiring: { wabaId: '2', webhook } })).toBe(3)
  })

  it('adds each wiring call with its retries and pauses to the longest run', () => {
    const settings = { ...BASE, wiring: { wabaId: '2', webhook } }
    expect(longestRunMs(settings, DEFAULT_TIMING) - longestRunMs(BASE, DEFAULT_TIMING)).toBe(
      7 * (3 * 60_000 + 2 * 60_000)
    )
  })
})

describe('longestCallRunMs', () => {
  const CALL = { timeoutMs: 60_000, retries: 2, dryRun: false, readAfter: true }

  it('for a call settled by reading, equals the register bound with its reads before and after', () => {
    expect(longestCallRunMs({ ...CALL, settleMs: 30_000 }, DEFAULT_TIMING)).toBe(
      longestRunMs(BASE, DEFAULT_TIMING)
    )
  })

  it('counts one request per attempt for a call that is not settled by reading', () => {
    const T = 60_000
    expect(longestCallRunMs({ ...CALL, readAfter: false }, DEFAULT_TIMING)).toBe(
      3 * T + 2 * T + 3 * T + 2 * T + T
    )
  })

  it('counts the reads only for a dry run', () => {
    expect(longestCallRunMs({ ...CALL, dryRun: true, settleMs: 30_000 }, DEFAULT_TIMING)).toBe(
      longestRunMs({ ...BASE, dryRun: true }, DEFAULT_TIMING)
    )
  })
})

describe('minutesAndSeconds', () => {
  it.each([
    [45_000, '45 s'],
    [44_001, '45 s'],
    [60_000, '1 min'],
    [930_000, '15 min 30 s']
  ])('%d ms is %s', (ms, text) => {
    expect(minutesAndSeconds(ms)).toBe(text)
  })
})

describe('a storage-region change (on-region-mismatch: re-register)', () => {
  const moving: Settings = {
    ...BASE,
    dataLocalizationRegion: 'DE',
    onRegionMismatch: 're-register'
  }

  it('adds the deregister calls with their settle windows, the confirming reads and pauses', () => {
    const T = 60_000
    const pause = 60_000
    // 3 × (call + window or deadline + last read) + 2 pauses + the read that confirms it;
    // the settings read that confirms the storage, with its retries.
    const deregister = 3 * (T + T + T) + 2 * pause + T
    const confirmStorage = 3 * T + 2 * pause
    expect(longestRunMs(moving, DEFAULT_TIMING) - longestRunMs(BASE, DEFAULT_TIMING)).toBe(
      deregister + confirmStorage
    )
    expect(regionChangeMs(moving, DEFAULT_TIMING)).toBe(deregister + confirmStorage)
  })

  it('counts a long settle window in full for the deregister call too', () => {
    const settings = { ...moving, timeoutMs: 10_000, retries: 0, settleMs: 120_000 }
    expect(regionChangeMs(settings, DEFAULT_TIMING)).toBe(
      10_000 + 120_000 + 10_000 + 10_000 + 10_000
    )
  })

  it('adds nothing when no change can happen', () => {
    expect(regionChangeMs({ ...moving, onRegionMismatch: 'fail' }, DEFAULT_TIMING)).toBe(0)
    expect(regionChangeMs({ ...BASE, onRegionMismatch: 're-register' }, DEFAULT_TIMING)).toBe(0)
    expect(regionChangeMs({ ...moving, dryRun: true }, DEFAULT_TIMING)).toBe(0)
    expect(regionChangeMs({ ...moving, preflight: false }, DEFAULT_TIMING)).toBe(0)
    expect(longestRunMs({ ...moving, dryRun: true }, DEFAULT_TIMING)).toBe(
      longestRunMs({ ...BASE, dryRun: true }, DEFAULT_TIMING)
    )
  })
})
