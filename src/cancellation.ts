/** What a cancellation can know of the number. */
export interface Progress {
  /** A call that changes the number went out and nothing has shown yet whether it went through. */
  outcomeUnknown: boolean
  /** Such calls sent so far. */
  calls: number
  /** Such a call is known to have gone through. */
  carriedOut: boolean
}

export function newProgress(): Progress {
  return { outcomeUnknown: false, calls: 0, carriedOut: false }
}

/** Marks a call that changes the number as sent (`true`) or as settled (`false`). */
export function trackOutcome(progress: Progress, unknown: boolean): void {
  if (unknown) progress.calls += 1
  progress.outcomeUnknown = unknown
}

/** Marks a call that changes the number as gone through. */
export function markCarriedOut(progress: Progress): void {
  progress.outcomeUnknown = false
  progress.carriedOut = true
}

/**
 * Calls `onCancel` on the first SIGINT or SIGTERM (the runner sends both when a job is cancelled),
 * then ends the process once what it wrote has reached the runner; later signals are ignored
 * meanwhile. Returns a function that stops watching.
 */
export function watchCancellation(onCancel: (signal: NodeJS.Signals) => Promise<void>): () => void {
  let cancelled = false
  const handler = (signal: NodeJS.Signals): void => {
    if (cancelled) return
    cancelled = true
    void onCancel(signal).finally(() => {
      process.exitCode = 1
      // The run is abandoned mid-request: nothing else will end it.
      process.stdout.write('', () => process.exit())
    })
  }
  process.on('SIGINT', handler)
  process.on('SIGTERM', handler)
  return () => {
    process.off('SIGINT', handler)
    process.off('SIGTERM', handler)
  }
}
