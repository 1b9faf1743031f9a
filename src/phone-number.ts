import {
  classifyNetworkFailure,
  classifyResponse,
  parseGraphError,
  type Failure
} from './errors.js'
import { NetworkFailure, type GraphClient, type HttpExchange } from './graph.js'
import { decideRetry, type RetryTiming } from './retry.js'

/** The number as Graph describes it; every field may be missing from an answer. */
export interface PhoneNumberState {
  displayPhoneNumber?: string
  verifiedName?: string
  /** `CLOUD_API`, `ON_PREMISE` or `NOT_APPLICABLE`. */
  platformType?: string
  /** `CONNECTED`, `PENDING`, `DISCONNECTED`, `MIGRATED`, … */
  status?: string
  codeVerificationStatus?: string
  /** Display-name review state; `PENDING_REVIEW` makes a register call risky. */
  nameStatus?: string
  qualityRating?: string
  /** Also used in the WhatsApp Business app (coexistence): /register does not apply. */
  isOnBizApp?: boolean
  throughputLevel?: string
}

/** Fields every supported Graph version knows. */
export const CORE_FIELDS = [
  'display_phone_number',
  'verified_name',
  'platform_type',
  'status',
  'code_verification_status',
  'name_status',
  'quality_rating'
] as const
/** Fields worth having that an older version may reject as nonexisting. */
export const EXTRA_FIELDS = ['is_on_biz_app', 'throughput'] as const

export type ReadOutcome =
  { ok: true; state: PhoneNumberState; exchange: HttpExchange } | { ok: false; failure: Failure }

/** A number on CLOUD_API and CONNECTED is registered: calling register again only spends budget. */
export function isRegistered(state: PhoneNumberState | undefined): boolean {
  return state?.platformType === 'CLOUD_API' && state.status === 'CONNECTED'
}

/** Per client: the fields its Graph version accepts, once it has rejected an extra one. */
const acceptedFields = new WeakMap<GraphClient, readonly string[]>()

/**
 * Reads the number once. When Graph rejects one of the extra fields as nonexisting, reads again
 * with the core fields only, and keeps to those for the rest of the run.
 */
export async function readPhoneNumber(
  graph: GraphClient,
  phoneNumberId: string
): Promise<ReadOutcome> {
  const fields = acceptedFields.get(graph) ?? [...CORE_FIELDS, ...EXTRA_FIELDS]
  const read = await readFields(graph, phoneNumberId, fields)
  if (read.ok) return read
  if (fields.length === CORE_FIELDS.length || !rejectsAField(read)) {
    return { ok: false, failure: read.failure }
  }
  acceptedFields.set(graph, CORE_FIELDS)
  return readFields(graph, phoneNumberId, CORE_FIELDS)
}

type FieldsRead = ReadOutcome & { body?: string }

async function readFields(
  graph: GraphClient,
  phoneNumberId: string,
  fields: readonly string[]
): Promise<FieldsRead> {
  let exchange: HttpExchange
  try {
    exchange = await graph.readPhoneNumber(phoneNumberId, fields)
  } catch (error) {
    if (error instanceof NetworkFailure)
      return { ok: false, failure: classifyNetworkFailure(error) }
    throw error
  }
  const state = exchange.status === 200 ? parsePhoneNumber(exchange.body) : undefined
  if (state) return { ok: true, state, exchange }
  return { ok: false, failure: classifyResponse(exchange), body: exchange.body }
}

function rejectsAField(read: FieldsRead): boolean {
  const error = read.body === undefined ? undefined : parseGraphError(read.body)
  return (
    error !== undefined &&
    read.ok === false &&
    read.failure.code === 100 &&
    typeof error.message === 'string' &&
    error.message.includes('nonexisting field')
  )
}

/** The state in a read's body, or undefined when the body is not a Graph node. */
export function parsePhoneNumber(body: string): PhoneNumberState | undefined {
  let node: unknown
  try {
    node = JSON.parse(body)
  } catch {
    return undefined
  }
  if (typeof node !== 'object' || node === null || Array.isArray(node) || 'error' in node)
    return undefined
  const record = node as Record<string, unknown>
  const str = (key: string): string | undefined =>
    typeof record[key] === 'string' ? record[key] : undefined
  const throughput = record.throughput as { level?: unknown } | undefined
  const state: PhoneNumberState = {
    displayPhoneNumber: str('display_phone_number'),
    verifiedName: str('verified_name'),
    platformType: str('platform_type'),
    status: str('status'),
    codeVerificationStatus: str('code_verification_status'),
    nameStatus: str('name_status'),
    qualityRating: str('quality_rating'),
    isOnBizApp: typeof record.is_on_biz_app === 'boolean' ? record.is_on_biz_app : undefined,
    throughputLevel: typeof throughput?.level === 'string' ? throughput.level : undefined
  }
  return Object.fromEntries(Object.entries(state).filter(([, value]) => value !== undefined))
}

/** Reads the number, retrying transient failures (a read changes nothing, so retries are safe). */
export async function readPhoneNumberWithRetries(
  graph: GraphClient,
  phoneNumberId: string,
  maxAttempts: number,
  timing: RetryTiming,
  sleep: (ms: number) => Promise<void>,
  log: { info(message: string): void }
): Promise<ReadOutcome> {
  for (let attempt = 1; ; attempt++) {
    const read = await readPhoneNumber(graph, phoneNumberId)
    if (read.ok) return read
    const decision = decideRetry(
      { ...read.failure, uncertain: false },
      attempt,
      maxAttempts,
      timing
    )
    if (!decision.retry) return read
    log.info(
      `Read attempt ${attempt + 1} of ${maxAttempts} in ${(decision.delayMs / 1000).toFixed(1)} s (${decision.reason}).`
    )
    await sleep(decision.delayMs)
  }
}
