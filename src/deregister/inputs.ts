import {
  InputError,
  readAccessToken,
  readConnection,
  readDryRun,
  readPhoneNumberId,
  readSettleMs,
  registerSecrets,
  required,
  trimmedInputs,
  type GraphSettings,
  type InputSource,
  type Parsed
} from '../input-rules.js'
import { phoneDigits } from './step.js'

/** Everything the deregister action needs, validated. */
export interface DeregisterSettings extends GraphSettings {
  /** The display phone number the person means, as given: checked against Graph's, digits only. */
  confirmDisplayPhoneNumber: string
  /**
   * After an uncertain deregister call, how long (from when it was sent) to keep reading the number
   * before a retry may go out.
   */
  settleMs: number
}

/** E.164 numbers have at most 15 digits; shorter than 5 is no phone number. */
const MIN_DIGITS = 5
const MAX_DIGITS = 15

/** Reads, masks and validates the deregister action's inputs; throws InputError listing every problem. */
export function readDeregisterSettings(source: InputSource): Parsed<DeregisterSettings> {
  registerSecrets(source, [])
  const input = trimmedInputs(source)
  const problems: string[] = []
  const warnings: string[] = []
  const accessToken = readAccessToken(input, problems)
  const phoneNumberId = readPhoneNumberId(input, problems)
  const confirmDisplayPhoneNumber = readConfirmation(input, phoneNumberId, problems)
  const connection = readConnection(
    input,
    problems,
    warnings,
    'a deregister call cut short leaves its outcome uncertain.'
  )
  const settleMs = readSettleMs(input, problems)
  const dryRun = readDryRun(input, problems)
  if (problems.length > 0) throw new InputError(problems)
  return {
    settings: {
      accessToken,
      phoneNumberId,
      confirmDisplayPhoneNumber,
      ...connection,
      settleMs,
      dryRun
    },
    warnings
  }
}

function readConfirmation(
  input: (name: string) => string,
  phoneNumberId: string,
  problems: string[]
): string {
  const name = 'confirm-display-phone-number'
  const value = required(input(name), name, problems)
  if (value === '') return value
  const digits = phoneDigits(value)
  if (!/^[0-9+\-(). ]+$/.test(value) || digits.length < MIN_DIGITS || digits.length > MAX_DIGITS) {
    problems.push(
      `${name}: expected the number's display phone number as WhatsApp Manager shows it, such as +1 555-0100 (${MIN_DIGITS} to ${MAX_DIGITS} digits; spaces, +, -, dots and parentheses allowed).`
    )
  } else if (digits === phoneNumberId) {
    problems.push(
      `${name}: this is the phone-number-id; give the display phone number itself, such as +1 555-0100.`
    )
  }
  return value
}
