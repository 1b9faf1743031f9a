/**
 * The input rules every entry shares (the register action and its sub-actions): where inputs come
 * from, how secrets are registered before anything is read, and one validator per common input.
 * Each validator pushes its problem, in our own words and never with the value, and returns a
 * usable fallback so that every problem is reported at once.
 */
import {
  DEFAULT_API_VERSION,
  DEFAULT_GRAPH_API_URL,
  DEFAULT_RETRIES,
  DEFAULT_SETTLE_SECONDS,
  DEFAULT_TIMEOUT_SECONDS,
  RECOMMENDED_MIN_TIMEOUT_SECONDS
} from './constants.js'

export const MAX_RETRIES = 10
export const MAX_SETTLE_SECONDS = 300
/** Keeps `timeout-seconds` within what a timer can hold; a day is far beyond any sane request. */
export const MAX_TIMEOUT_SECONDS = 86_400

/** Where inputs come from; the action passes @actions/core, tests pass a map. */
export interface InputSource {
  /** The input's value exactly as given (not trimmed), or '' when unset. */
  getInput(name: string): string
  /** Masks a value in the runner's log and in our own redaction: a value that is sent. */
  registerSecret(value: string): void
  /** Folder that relative `backup-file` paths start from. */
  workspace: string
}

/** Bad inputs, all of them at once; messages name inputs and expectations, never secret values. */
export class InputError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid inputs:\n${problems.map(problem => `- ${problem}`).join('\n')}`)
    this.name = 'InputError'
  }
}

/** Settings and the legal but risky choices among them, to be logged as warnings. */
export interface Parsed<S> {
  settings: S
  warnings: string[]
}

/** What every call to Graph needs: who, which number, where, and how patiently. */
export interface GraphSettings {
  /** System-user access token, sent as `Authorization: Bearer …` to the configured host only. */
  accessToken: string
  /** The number's Graph id (digits only). */
  phoneNumberId: string
  /** Graph API version, e.g. `v26.0`. */
  apiVersion: string
  /** Graph API base URL without a trailing slash. */
  graphApiUrl: string
  /** Deadline of each request, in milliseconds. */
  timeoutMs: number
  /** Extra attempts allowed after transient failures. */
  retries: number
  /** Validate and read the number, never write. */
  dryRun: boolean
}

/**
 * Registers the token (as given and trimmed: a header value) and the exact secrets, before any
 * other input is read: anything printed later, even by a failing parser, is then already masked.
 */
export function registerSecrets(source: InputSource, exactSecretInputs: readonly string[]): void {
  const token = source.getInput('access-token')
  const given = [token, token.trim(), ...exactSecretInputs.map(name => source.getInput(name))]
  for (const value of new Set(given)) if (value.trim() !== '') source.registerSecret(value)
}

/** An input with surrounding whitespace removed (every input but the exact secrets). */
export function trimmedInputs(source: InputSource): (name: string) => string {
  return name => source.getInput(name).trim()
}

export function required(value: string, name: string, problems: string[]): string {
  if (value === '') problems.push(`${name}: required, but empty or not set.`)
  return value
}

export function readAccessToken(input: (name: string) => string, problems: string[]): string {
  const accessToken = required(input('access-token'), 'access-token', problems)
  if (accessToken !== '') {
    if (/^bearer\s/i.test(accessToken)) {
      problems.push('access-token: give the token alone, without the "Bearer " prefix.')
    } else if (!/^[\x21-\x7e]+$/.test(accessToken)) {
      problems.push(
        'access-token: expected one line of printable ASCII without spaces (a system-user access token).'
      )
    }
  }
  return accessToken
}

export function readPhoneNumberId(input: (name: string) => string, problems: string[]): string {
  const phoneNumberId = required(input('phone-number-id'), 'phone-number-id', problems)
  if (phoneNumberId !== '' && !/^[0-9]{1,32}$/.test(phoneNumberId)) {
    problems.push(
      `phone-number-id: expected the number's Graph ID, digits only (WhatsApp Manager › Phone numbers)${
        phoneNumberId.startsWith('+') ? '; this looks like the phone number itself' : ''
      }.`
    )
  }
  return phoneNumberId
}

/**
 * A two-step verification PIN (`pin`, `new-pin`): exactly 6 digits, taken exactly as given, since
 * the PIN is sent as it is and a secret saved with a trailing newline is a different PIN.
 */
export function readPin(source: InputSource, name: string, problems: string[]): string {
  const pin = source.getInput(name)
  if (pin.trim() === '') problems.push(`${name}: required, but empty or not set.`)
  else if (/^[0-9]{6}$/.test(pin.trim()) && pin !== pin.trim()) {
    problems.push(
      `${name}: has spaces or a line break around its 6 digits; the PIN is sent exactly as given, so remove them (a secret saved with a trailing newline is a common cause).`
    )
  } else if (!/^[0-9]{6}$/.test(pin)) {
    problems.push(
      `${name}: expected exactly 6 digits (0-9), such as "004217"; quote it in YAML to keep leading zeros.`
    )
  }
  return pin
}

export function readApiVersion(input: (name: string) => string, problems: string[]): string {
  const apiVersion = input('api-version') || DEFAULT_API_VERSION
  if (!/^v[0-9]+\.[0-9]+$/.test(apiVersion)) {
    problems.push(`api-version: expected a Graph API version such as ${DEFAULT_API_VERSION}.`)
  }
  return apiVersion
}

export function readGraphApiUrl(input: (name: string) => string, problems: string[]): string {
  const value = input('graph-api-url') || DEFAULT_GRAPH_API_URL
  const expected =
    'graph-api-url: expected an https URL such as https://graph.facebook.com (plain http only for a loopback host), without credentials, query or fragment.'
  let url: URL
  try {
    url = new URL(value)
  } catch {
    problems.push(expected)
    return value
  }
  const secure = url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url.hostname))
  if (
    !secure ||
    url.username !== '' ||
    url.password !== '' ||
    url.search !== '' ||
    url.hash !== ''
  ) {
    problems.push(expected)
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '')
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || /^127(\.[0-9]{1,3}){3}$/.test(hostname) || hostname === '[::1]'
}

/**
 * `timeout-seconds` in milliseconds; below the recommended minimum, a warning that names what a
 * request cut short risks (`risk`).
 */
export function readTimeoutMs(
  input: (name: string) => string,
  problems: string[],
  warnings: string[],
  risk: string
): number {
  const seconds = wholeNumber(
    input('timeout-seconds'), 'timeout-seconds', DEFAULT_TIMEOUT_SECONDS, 1, MAX_TIMEOUT_SECONDS, problems
  ) // prettier-ignore
  if (seconds < RECOMMENDED_MIN_TIMEOUT_SECONDS) {
    warnings.push(
      `timeout-seconds is ${seconds}: ${risk} ${RECOMMENDED_MIN_TIMEOUT_SECONDS} or more is safer.`
    )
  }
  return seconds * 1000
}

export function readRetries(input: (name: string) => string, problems: string[]): number {
  return wholeNumber(input('retries'), 'retries', DEFAULT_RETRIES, 0, MAX_RETRIES, problems)
}

export function readSettleMs(input: (name: string) => string, problems: string[]): number {
  const seconds = wholeNumber(
    input('settle-seconds'), 'settle-seconds', DEFAULT_SETTLE_SECONDS, 0, MAX_SETTLE_SECONDS, problems
  ) // prettier-ignore
  return seconds * 1000
}

export function readDryRun(input: (name: string) => string, problems: string[]): boolean {
  return boolean(input('dry-run'), 'dry-run', false, problems)
}

export function wholeNumber(
  value: string,
  name: string,
  fallback: number,
  min: number,
  max: number,
  problems: string[]
): number {
  if (value === '') return fallback
  const parsed = /^[0-9]{1,9}$/.test(value) ? Number(value) : NaN
  if (Number.isNaN(parsed) || parsed < min || parsed > max) {
    problems.push(`${name}: expected a whole number from ${min} to ${max}.`)
    return fallback
  }
  return parsed
}

/** YAML 1.2 core schema booleans, as `core.getBooleanInput` accepts them. */
export function boolean(
  value: string,
  name: string,
  fallback: boolean,
  problems: string[]
): boolean {
  if (value === '') return fallback
  if (['true', 'True', 'TRUE'].includes(value)) return true
  if (['false', 'False', 'FALSE'].includes(value)) return false
  problems.push(`${name}: expected true or false.`)
  return fallback
}

/**
 * The Graph endpoint and the request limits, which every action reads alike: `api-version`,
 * `graph-api-url`, `timeout-seconds` (`whyTimeoutMatters` ends its warning) and `retries`.
 */
export function readConnection(
  input: (name: string) => string,
  problems: string[],
  warnings: string[],
  whyTimeoutMatters: string
): Pick<GraphSettings, 'apiVersion' | 'graphApiUrl' | 'timeoutMs' | 'retries'> {
  return {
    apiVersion: readApiVersion(input, problems),
    graphApiUrl: readGraphApiUrl(input, problems),
    timeoutMs: readTimeoutMs(input, problems, warnings, whyTimeoutMatters),
    retries: readRetries(input, problems)
  }
}
