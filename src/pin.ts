import { markCarriedOut, trackOutcome, type Progress } from './cancellation.js'
import { classifyNetworkFailure, classifyResponse, isSuccess, type Failure } from './errors.js'
import { NetworkFailure, type GraphClient, type HttpExchange } from './graph.js'
import { withRetries, type RetryEnvironment } from './retry.js'

export interface PinChangeContext {
  graph: GraphClient
  settings: { phoneNumberId: string; retries: number }
  env: RetryEnvironment
  progress: Progress
}

export type PinChangeOutcome =
  | { ok: true; attempts: number; exchange: HttpExchange }
  | {
      ok: false
      attempts: number
      failure: Failure
      /** The last response, when the last attempt got one. */
      exchange?: HttpExchange
      /** Why the loop stopped, for a person. */
      reason: string
      /** An attempt may have been carried out: the PIN may be the new one or still the old one. */
      mayHaveChanged: boolean
    }

/**
 * Sets the number's two-step verification PIN: `POST /{version}/{id}` with `{"pin": …}`, at most
 * 1 + retries times, again only after a failure a retry can help. The PIN cannot be read back, so
 * an uncertain attempt cannot be settled by reading; but setting the same PIN twice is harmless, so
 * it is simply sent again. When every attempt ends uncertain, the outcome says the PIN may have
 * changed.
 */
export async function setPinWithRetries(
  context: PinChangeContext,
  pin: string
): Promise<PinChangeOutcome> {
  const { graph, settings, env, progress } = context
  let lastExchange: HttpExchange | undefined
  let mayHaveChanged = false
  const outcome = await withRetries<HttpExchange>(
    {
      what: 'PIN change',
      maxAttempts: 1 + settings.retries,
      attempt: async () => {
        lastExchange = undefined
        trackOutcome(progress, true)
        let failure: Failure
        try {
          const exchange = await graph.post(settings.phoneNumberId, { pin })
          lastExchange = exchange
          if (isSuccess(exchange)) {
            markCarriedOut(progress)
            return { ok: true, value: exchange }
          }
          failure = classifyResponse(exchange)
        } catch (error) {
          if (!(error instanceof NetworkFailure)) throw error
          failure = classifyNetworkFailure(error)
        }
        if (failure.next === 'settle') mayHaveChanged = true
        // Once an attempt may have gone through, the PIN stays unknown until one succeeds.
        if (!mayHaveChanged) trackOutcome(progress, false)
        return { ok: false, failure }
      }
    },
    env
  )
  if (outcome.ok) return { ok: true, attempts: outcome.attempts, exchange: outcome.value }
  return {
    ok: false,
    attempts: outcome.attempts,
    failure: outcome.failure,
    ...(lastExchange && { exchange: lastExchange }),
    reason: outcome.reason,
    mayHaveChanged
  }
}
