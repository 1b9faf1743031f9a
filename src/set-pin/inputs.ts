import {
  InputError,
  readAccessToken,
  readConnection,
  readDryRun,
  readPhoneNumberId,
  readPin,
  registerSecrets,
  trimmedInputs,
  type GraphSettings,
  type InputSource,
  type Parsed
} from '../input-rules.js'

/** Everything the set-pin action needs, validated. */
export interface SetPinSettings extends GraphSettings {
  /** The new two-step verification PIN: exactly 6 digits, a string (leading zeros count). */
  newPin: string
}

/** Sent exactly as given, like the register action's `pin`. */
const EXACT_SECRET_INPUTS = ['new-pin'] as const

/** Reads, masks and validates the set-pin action's inputs; throws InputError listing every problem. */
export function readSetPinSettings(source: InputSource): Parsed<SetPinSettings> {
  registerSecrets(source, EXACT_SECRET_INPUTS)
  const input = trimmedInputs(source)
  const problems: string[] = []
  const warnings: string[] = []
  const accessToken = readAccessToken(input, problems)
  const phoneNumberId = readPhoneNumberId(input, problems)
  const newPin = readPin(source, 'new-pin', problems)
  const connection = readConnection(
    input,
    problems,
    warnings,
    'a PIN change cut short leaves the PIN unknown until it is sent again.'
  )
  const dryRun = readDryRun(input, problems)
  if (problems.length > 0) throw new InputError(problems)
  return {
    settings: {
      accessToken,
      phoneNumberId,
      newPin,
      ...connection,
      dryRun
    },
    warnings
  }
}
