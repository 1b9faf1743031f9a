/**
 * Graph error codes the action recognises, with what they mean and what to do. The README's
 * troubleshooting table is generated from this list (`npm run docs`), and a test keeps them equal.
 */

/**
 * How an error is retried:
 * - `never`: retrying cannot help and costs one of the 10 register calls per 72 h, even when Meta
 *   marks it `is_transient`;
 * - `no`: not retried unless Meta marks it `is_transient`;
 * - `backoff`: retried after a pause;
 * - `read-then-backoff`: the call may have gone through: read the number first, then retry;
 * - `retry-after-only`: retried only when the server says when (`Retry-After` within the cap).
 */
export type RetryPolicy = 'never' | 'no' | 'backoff' | 'read-then-backoff' | 'retry-after-only'

export interface KnownError {
  /** The codes as people write them: `133005`, `100 (subcode 33)`. */
  label: string
  codes: readonly number[]
  /** Matches only this subcode under one of `codes`. */
  subcode?: number
  /** Matches only a message that contains this text. */
  messageIncludes?: string
  meaning: string
  action: string
  retry: RetryPolicy
}

/** Codes from here up are WhatsApp's own; below are Graph's generic ones. */
const WHATSAPP_CODES_FROM = 1000

const PERMISSION_CODES = [0, 10, ...Array.from({ length: 100 }, (_, i) => 200 + i)]

export const KNOWN_ERRORS: readonly KnownError[] = [
  {
    label: '190 (subcodes 460, 463, 467)',
    codes: [190],
    meaning:
      'The access token is invalid or expired (463 expired, 460 password changed, 467 invalid).',
    action:
      'Create a new system-user token with whatsapp_business_management and update the secret.',
    retry: 'never'
  },
  {
    label: '0, 10, 200–299',
    codes: PERMISSION_CODES,
    meaning: 'A permission is missing, or the token cannot act on this WhatsApp Business Account.',
    action:
      'Grant whatsapp_business_management to the app and assign the WhatsApp account to the system user.',
    retry: 'never'
  },
  {
    label: '100 (subcode 33)',
    codes: [100],
    subcode: 33,
    meaning: 'The phone number ID does not exist, or this token cannot see it.',
    action:
      "Check phone-number-id (the number's ID from WhatsApp Manager, not the number or the account ID) and that the token's app can see it.",
    retry: 'never'
  },
  {
    label: '100 ("not available for SMB businesses")',
    codes: [100],
    // Register: "… is not available for SMB businesses"; deregister: "… for API solution for SMB businesses."
    messageIncludes: 'for SMB businesses',
    meaning: 'The number is used in the WhatsApp Business app (coexistence).',
    action:
      'Nothing to register or deregister on the Cloud API this way: the number is managed through the app.',
    retry: 'never'
  },
  {
    label: '100 (subcode 2207051)',
    codes: [100],
    subcode: 2207051,
    meaning: 'The phone number is not registered on the WhatsApp Business Platform.',
    action:
      'Nothing to deregister: read the number (dry-run: true) to see its platform, and register it when it should be on the Cloud API.',
    retry: 'never'
  },
  {
    label: '100 ("Expected data localization region")',
    codes: [100],
    messageIncludes: 'Expected data localization region',
    meaning:
      "The number's local storage is set to another region than the register call asked for.",
    action:
      'Give data-localization-region the region the number is set to (Meta names it), or none; storage can only change while the number is not registered.',
    retry: 'never'
  },
  {
    label: '100 ("must be subscribed")',
    codes: [100],
    messageIncludes: 'must be subscribed',
    meaning:
      "A webhook override was refused: the token's app is not subscribed to the number's WhatsApp Business Account.",
    action:
      'Give waba-id so that the action subscribes the app first (and check that it is the WABA that holds the number).',
    retry: 'never'
  },
  {
    label: '100',
    codes: [100],
    meaning: 'A parameter is invalid (PIN format, region, request body, or an unknown field).',
    action: "Fix the input that Meta's message names.",
    retry: 'never'
  },
  {
    label: '803',
    codes: [803],
    meaning: 'Some of the aliases requested do not exist: the ID is wrong.',
    action:
      "Check phone-number-id: it is the number's ID from WhatsApp Manager, not the phone number itself.",
    retry: 'never'
  },
  {
    label: '33',
    codes: [33],
    meaning: 'The object does not exist or does not support this action.',
    action: "Check the ID and that the token's system user has the asset assigned.",
    retry: 'never'
  },
  {
    label: '3',
    codes: [3],
    meaning: 'The app lacks the capability for this call.',
    action:
      'Add the WhatsApp product to the app and grant whatsapp_business_management to its token.',
    retry: 'never'
  },
  {
    label: '2200',
    codes: [2200],
    meaning:
      'Callback verification failed: Meta could not reach the callback URL, or it did not answer the challenge.',
    action:
      'Make sure the endpoint is up and reachable over https, and that it answers the verification request (hub.challenge) when hub.verify_token equals verify-token.',
    retry: 'no'
  },
  {
    label: '368',
    codes: [368],
    meaning: 'Temporarily blocked for a policy violation.',
    action: 'See Business Support Home for the restriction; retrying does not lift it.',
    retry: 'never'
  },
  {
    label: '4, 80007, 130429',
    codes: [4, 80007, 130429],
    meaning: 'The app or business hit a Graph rate limit.',
    action: 'Wait before running again; do not call register in a loop.',
    retry: 'never'
  },
  {
    label: '1, 2',
    codes: [1, 2],
    meaning: 'Unknown or temporary error at Meta: the call may or may not have gone through.',
    action: 'Run again later; the action reads the number first and does not register twice.',
    retry: 'read-then-backoff'
  },
  {
    label: '131000',
    codes: [131000],
    meaning: 'Something went wrong at Meta: the call may or may not have gone through.',
    action: 'Run again later; if it persists, contact Meta support with the fbtrace_id.',
    retry: 'read-then-backoff'
  },
  {
    label: '133000',
    codes: [133000],
    meaning: 'A previous deregistration of this number was not completed.',
    action: 'Deregister the number again, then register.',
    retry: 'no'
  },
  {
    label: '133004',
    codes: [133004],
    meaning: 'The server is temporarily unavailable.',
    action: "Run again after a pause (see Meta's details).",
    retry: 'backoff'
  },
  {
    label: '133005',
    codes: [133005],
    meaning: 'Two-step verification PIN mismatch.',
    action:
      'Use the PIN set on the number, or reset two-step verification in WhatsApp Manager. During a migration the On-Premises deployment is now down: act quickly.',
    retry: 'never'
  },
  {
    label: '133006',
    codes: [133006],
    meaning: 'The phone number needs to be verified again.',
    action: 'Verify the number (request_code and verify_code), then register.',
    retry: 'no'
  },
  {
    label: '133008',
    codes: [133008],
    meaning: 'Too many PIN guesses for this number.',
    action: "Wait for the time given in Meta's details before trying again.",
    retry: 'never'
  },
  {
    label: '133009',
    codes: [133009],
    meaning: 'PIN guessed too fast.',
    action: "Wait as Meta's details say before trying again.",
    retry: 'never'
  },
  {
    label: '133010',
    codes: [133010],
    meaning: 'The phone number is not registered on the platform.',
    action:
      'Register it as a new number (no backup), not as a migration; a PIN can only be set on a registered number.',
    retry: 'no'
  },
  {
    label: '133015',
    codes: [133015],
    meaning: 'The number was deleted recently and the deletion has not finished.',
    action: 'Wait about 5 minutes, then run again once.',
    retry: 'never'
  },
  {
    label: '133016',
    codes: [133016],
    meaning: 'Register/deregister rate limit: 10 calls per number in 72 hours.',
    action:
      'Wait until the 72-hour window allows another call; every further call extends the wait.',
    retry: 'never'
  },
  {
    label: '2388001',
    codes: [2388001],
    meaning: 'The certificate cannot be created: the display name is not approved yet.',
    action: 'Wait for the display-name review, then register.',
    retry: 'no'
  },
  {
    label: '2388012',
    codes: [2388012],
    meaning: 'The phone number already exists.',
    action: 'Check which WhatsApp Business Account holds the number.',
    retry: 'no'
  },
  {
    label: '2388091, 2388093',
    codes: [2388091, 2388093],
    meaning: 'The number is not eligible: it is not being migrated.',
    action: 'Check the migration state in WhatsApp Manager.',
    retry: 'no'
  },
  {
    label: '2388103',
    codes: [2388103],
    meaning: 'The phone number cannot be migrated.',
    action: 'Check its eligibility; contact Meta support with the fbtrace_id.',
    retry: 'no'
  },
  {
    label: '2494100',
    codes: [2494100],
    meaning: 'The number is in maintenance mode.',
    action: 'Run again in a few minutes: maintenance lasts longer than a retry within seconds.',
    retry: 'retry-after-only'
  },
  {
    label: '131057',
    codes: [131057],
    meaning: 'The account is in maintenance mode.',
    action: 'Run again in a few minutes: maintenance lasts longer than a retry within seconds.',
    retry: 'retry-after-only'
  },
  {
    label: '131045',
    codes: [131045],
    meaning: 'Incorrect certificate: registration error.',
    action: 'Check the display name, then register again.',
    retry: 'no'
  }
]

/**
 * Finds what the action knows of an error. A code Meta nests as `error_subcode` under `code: 100`
 * (such as 133005) is recognised as itself.
 */
export function lookupKnownError(
  code: number | undefined,
  subcode: number | undefined,
  message = ''
): KnownError | undefined {
  // Meta nests a WhatsApp code (133005, 2388001: all above 1000) as the subcode of the generic 100;
  // a generic Graph code in that place (1, 2, 4, 10, 200) only refines the 100 and is not read as
  // itself, nor is any subcode under another code (4 stays a rate limit whatever its subcode).
  const nestsCodes =
    (code === 100 || code === undefined) && subcode !== undefined && subcode >= WHATSAPP_CODES_FROM
  const plain = (entry: KnownError): boolean =>
    entry.subcode === undefined && entry.messageIncludes === undefined
  return (
    KNOWN_ERRORS.find(e => code !== undefined && e.codes.includes(code) && e.subcode === subcode && subcode !== undefined) ??
    KNOWN_ERRORS.find(e => code !== undefined && e.codes.includes(code) && e.messageIncludes !== undefined && message.includes(e.messageIncludes)) ??
    KNOWN_ERRORS.find(e => nestsCodes && subcode !== undefined && e.codes.includes(subcode) && plain(e)) ??
    KNOWN_ERRORS.find(e => code !== undefined && e.codes.includes(code) && plain(e))
  ) // prettier-ignore
}
