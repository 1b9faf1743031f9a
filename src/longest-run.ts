import type { Settings } from './inputs.js'
import type { RetryTiming } from './retry.js'
import { usesSettingsApi } from './storage.js'

/**
 * The longest a run can take with these inputs, every request hanging until its deadline and every
 * pause as long as allowed: r + 1 pre-flight reads, r + 1 register calls each followed by reading
 * until the settle window has passed (the last read may start at its end), one post-check read, one
 * extra read when an older Graph version rejects an optional field, and 2r pauses (a backoff or a
 * `Retry-After`, whichever cap is larger); then the settings calls (v21.0+) and the wiring calls,
 * each like a read. A job killed before this leaves an outcome unknown.
 */
export function longestRunMs(settings: Settings, timing: RetryTiming): number {
  const T = settings.timeoutMs
  const r = settings.retries
  const pause = Math.max(timing.maxDelayMs, timing.maxRetryAfterMs)
  const read = settings.preflight || settings.dryRun ? (r + 1) * T + r * pause : 0
  const likeRead = (r + 1) * T + r * pause
  const wiring = (wiringCalls(settings) + settingsCalls(settings)) * likeRead
  if (settings.dryRun) return read + T + wiring
  const perCall = T + Math.max(settings.settleMs, T) + T
  const register = (r + 1) * perCall + r * pause
  const postCheck = settings.preflight ? T : 0
  return read + register + postCheck + T + wiring + regionChangeMs(settings, timing)
}

/**
 * What a storage-region change (`on-region-mismatch: re-register`) can add before the register
 * call: r + 1 deregister calls, each followed by reading until the settle window has passed, 2r
 * pauses, the read that confirms the deregistration, and the read of the settings that confirms the
 * storage (with its retries). Zero when no change can happen: no region, no pre-flight, a dry run,
 * or `fail`.
 */
export function regionChangeMs(settings: Settings, timing: RetryTiming): number {
  if (
    settings.onRegionMismatch !== 're-register' ||
    settings.dataLocalizationRegion === undefined ||
    !settings.preflight ||
    settings.dryRun
  ) {
    return 0
  }
  const T = settings.timeoutMs
  const r = settings.retries
  const pause = Math.max(timing.maxDelayMs, timing.maxRetryAfterMs)
  const deregister = (r + 1) * (T + Math.max(settings.settleMs, T) + T) + r * pause + T
  const confirmStorage = (r + 1) * T + r * pause
  return deregister + confirmStorage
}

/**
 * The settings calls a run can make from Graph v21.0, each with the retries of a read: the storage
 * read before registering, and with a region the write and the read that checks it afterwards.
 */
export function settingsCalls(settings: Settings): number {
  if (!usesSettingsApi(settings.apiVersion)) return 0
  const before = settings.preflight || settings.dryRun ? 1 : 0
  const region = settings.dataLocalizationRegion !== undefined && !settings.dryRun ? 2 : 0
  return before + region
}

/**
 * The wiring calls a run can make, each with the retries of a read: the token's app (without
 * app-id), the subscribed apps, subscribe and read them again, the number's webhook configuration,
 * and with callback-url the override and its read-back. A dry run only reads.
 */
export function wiringCalls(settings: Settings): number {
  const wiring = settings.wiring
  if (!wiring) return 0
  const app = wiring.appId === undefined ? 1 : 0
  if (settings.dryRun) return app + 2
  return app + 3 + (wiring.webhook ? 3 : 1)
}

/** `15 min 30 s`, `45 s`. */
export function minutesAndSeconds(ms: number): string {
  const seconds = Math.ceil(ms / 1000)
  const minutes = Math.floor(seconds / 60)
  if (minutes === 0) return `${seconds} s`
  return `${minutes} min${seconds % 60 === 0 ? '' : ` ${seconds % 60} s`}`
}

/**
 * The same bound for a sub-action's one call (deregister, a PIN change): r + 1 reads before it, r + 1
 * calls (each followed by reading until the settle window has passed, when the call is settled by
 * reading), 2r pauses, an optional read after, and one extra read when an older Graph version
 * rejects an optional field.
 */
export function longestCallRunMs(
  call: {
    timeoutMs: number
    retries: number
    dryRun: boolean
    settleMs?: number
    readAfter: boolean
  },
  timing: RetryTiming
): number {
  const T = call.timeoutMs
  const r = call.retries
  const pause = Math.max(timing.maxDelayMs, timing.maxRetryAfterMs)
  const read = (r + 1) * T + r * pause
  if (call.dryRun) return read + T
  const perCall = call.settleMs === undefined ? T : T + Math.max(call.settleMs, T) + T
  return read + (r + 1) * perCall + r * pause + (call.readAfter ? T : 0) + T
}
