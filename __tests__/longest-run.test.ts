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

/** Before v21.0: no settings calls, so the register bound alone. */
const BASE: Settings = {
  accessToken: 'token',
  phoneNumberId: '1',
  pin: '004217',
  apiVersion: 'v20.0',
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

// From Graph v21.0 (the default) the pre-flight also reads the number's settings, and with a region
// they are written and read again, each with the retries of a read (src/storage.ts).
describe('longestRunMs on Graph v21.0 and newer', () => {
  it('counts the settings read, with its retries and pauses', () => {
    const T = 60_000
    const pause = 60_000
    const withoutSettings = longestRunMs({ ...BASE, apiVersion: 'v20.0' }, DEFAULT_TIMING)
    expect(longestRunMs({ ...BASE, apiVersion: 'v26.0' }, DEFAULT_TIMING)).toBeGreaterThanOrEqual(
      withoutSettings + 3 * T + 2 * pause
    )
  })

  it('counts the settings write and the read that checks it when a region is asked', () => {
    const likeRead = 3 * 60_000 + 2 * 60_000
    const v26 = { ...BASE, apiVersion: 'v26.0' }
    expect(
      longestRunMs({ ...v26, dataLocalizationRegion: 'DE' }, DEFAULT_TIMING) -
        longestRunMs(v26, DEFAULT_TIMING)
    ).toBe(2 * likeRead)
  })
})

describe('a storage-region change (on-region-mismatch: re-register)', () => {
  // The settings API, and so a region change, exists from v21.0.
  const v26: Settings = { ...BASE, apiVersion: 'v26.0' }
  const moving: Settings = {
    ...v26,
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
    // … and the settings write and the check after registering, as for any region on v21.0+.
    const likeRead = 3 * T + 2 * pause
    expect(longestRunMs(moving, DEFAULT_TIMING) - longestRunMs(v26, DEFAULT_TIMING)).toBe(
      deregister + confirmStorage + 2 * likeRead
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
    expect(regionChangeMs({ ...v26, onRegionMismatch: 're-register' }, DEFAULT_TIMING)).toBe(0)
    expect(regionChangeMs({ ...moving, dryRun: true }, DEFAULT_TIMING)).toBe(0)
    expect(regionChangeMs({ ...moving, preflight: false }, DEFAULT_TIMING)).toBe(0)
    expect(longestRunMs({ ...moving, dryRun: true }, DEFAULT_TIMING)).toBe(
      longestRunMs({ ...v26, dryRun: true }, DEFAULT_TIMING)
    )
  })
})
