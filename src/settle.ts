import type { RetryEnvironment, Settled } from './retry.js'

/** The longest pause between two reads while settling: the outcome is known this soon after. */
export const MAX_SETTLE_READ_INTERVAL_MS = 3000
const MIN_SETTLE_READ_INTERVAL_MS = 500

/** Reads often enough to notice the change quickly, without hammering Graph in a long window. */
export function settleReadInterval(windowMs: number): number {
  return Math.min(MAX_SETTLE_READ_INTERVAL_MS, Math.max(MIN_SETTLE_READ_INTERVAL_MS, windowMs / 10))
}

/**
 * Settles a call that may have been carried out: reads the state until it proves the call
 * happened, or until `windowMs` have passed since the call was sent. A slow backend behind a
 * gateway can still be working when the gateway gives up, so only a read made after the window
 * may prove that the call did not happen; a read that proves nothing never permits a retry.
 */
export async function settleByReading<T>(
  probe: () => Promise<Settled<T>>,
  sentAt: number,
  windowMs: number,
  env: Pick<RetryEnvironment, 'sleep' | 'now'>
): Promise<Settled<T>> {
  const interval = settleReadInterval(windowMs)
  for (;;) {
    const read = await probe()
    if (read.proved === 'happened') return read
    // Waiting out the window would only repeat a read that cannot tell.
    if (read.proved === 'nothing' && read.final === true) return read
    const remaining = sentAt + windowMs - env.now()
    if (remaining <= 0) return read
    await env.sleep(Math.min(interval, remaining))
  }
}
