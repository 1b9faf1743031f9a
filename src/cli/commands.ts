import { run } from '../main.js'
import type { Host } from '../host.js'
import { run as deregister } from '../deregister/flow.js'
import type { FlowOptions } from '../flow.js'
import { run as setPin } from '../set-pin/flow.js'

/** One option of a command: the action input it mirrors, and a line for `--help`. */
export interface OptionSpec {
  name: string
  help: string
  /** Given bare (`--dry-run`), it means `true`. */
  boolean?: boolean
}

export interface CommandSpec {
  name: string
  summary: string
  options: OptionSpec[]
  /** Environment variables read as the command's secret inputs. */
  secrets: Record<string, string>
  run: (host: Host) => Promise<Ended | undefined>
}

/** What the CLI needs of a run's report to choose its exit code. */
export interface Ended {
  result: string
  inputProblems?: string[]
}

const CONNECTION: OptionSpec[] = [
  { name: 'phone-number-id', help: "The number's Graph ID (digits), not the phone number itself." },
  { name: 'api-version', help: 'Graph API version, such as v26.0.' },
  { name: 'graph-api-url', help: 'Base URL of the Graph API (https; http only for loopback).' },
  { name: 'timeout-seconds', help: 'Time limit for each request, in whole seconds (default 60).' },
  { name: 'retries', help: 'Extra attempts after transient failures, 0 to 10 (default 2).' }
]

const WIRING: OptionSpec[] = [
  {
    name: 'waba-id',
    help: 'The WhatsApp Business Account: check (and make) the app subscription that brings webhooks.'
  },
  { name: 'app-id', help: "The app whose subscription is checked (default: the token's own)." }
]

function registerFlow(readOnly: boolean): (host: Host) => Promise<Ended | undefined> {
  return async host => {
    let found: Ended | undefined
    await run({ host, readOnly, onReport: report => (found = report) })
    return found
  }
}

function subActionFlow(
  run: (options: FlowOptions) => Promise<void>
): (host: Host) => Promise<Ended | undefined> {
  return async host => {
    let found: Ended | undefined
    await run({ host, onReport: report => (found = report) })
    return found
  }
}

const SETTLE: OptionSpec = {
  name: 'settle-seconds',
  help: 'After an uncertain call, read the number this long before any retry (default 30).'
}
const DRY_RUN: OptionSpec = {
  name: 'dry-run',
  help: 'Validate and read the number; never write.',
  boolean: true
}

export const COMMANDS: CommandSpec[] = [
  {
    name: 'register',
    summary:
      'Register the number on the Cloud API, or migrate it from the On-Premises API with its backup.',
    options: [
      ...CONNECTION,
      {
        name: 'backup-file',
        help: 'Migration: a file with the backup data or the backup response.'
      },
      { name: 'data-localization-region', help: 'Local-storage region, such as DE.' },
      {
        name: 'on-region-mismatch',
        help: 'A registered number in another region: fail (default) or re-register (deregister, settings, register).'
      },
      {
        name: 'settle-seconds',
        help: 'After an uncertain register call, read the number this long before any retry (default 30).'
      },
      {
        name: 'preflight',
        help: 'Read the number before and after (default true).',
        boolean: true
      },
      {
        name: 'skip-if-registered',
        help: 'Leave a number already on CLOUD_API and CONNECTED alone (default true).',
        boolean: true
      },
      {
        name: 'dry-run',
        help: 'Validate and read the number; never call register.',
        boolean: true
      },
      ...WIRING,
      {
        name: 'callback-url',
        help: "https URL set as the number's webhook override (needs --waba-id and WHATSAPP_VERIFY_TOKEN)."
      }
    ],
    secrets: {
      WHATSAPP_ACCESS_TOKEN: 'access-token',
      WHATSAPP_PIN: 'pin',
      WHATSAPP_BACKUP_DATA: 'backup-data',
      WHATSAPP_BACKUP_PASSWORD: 'backup-password',
      WHATSAPP_VERIFY_TOKEN: 'verify-token'
    },
    run: registerFlow(false)
  },
  {
    name: 'check',
    summary:
      'Read the number, its storage and, with --waba-id, its webhook wiring; never write anything.',
    options: [...CONNECTION, ...WIRING],
    secrets: { WHATSAPP_ACCESS_TOKEN: 'access-token' },
    run: registerFlow(true)
  },
  {
    name: 'deregister',
    summary:
      'Deregister the number (it goes offline; local storage turns off; registering again needs the PIN).',
    options: [
      ...CONNECTION,
      {
        name: 'confirm-display-phone-number',
        help: "The number's display phone number, a guard compared digits only (required)."
      },
      SETTLE,
      DRY_RUN
    ],
    secrets: { WHATSAPP_ACCESS_TOKEN: 'access-token' },
    run: subActionFlow(deregister)
  },
  {
    name: 'set-pin',
    summary:
      "Set the registered number's two-step verification PIN (store it where register reads it).",
    options: [...CONNECTION, DRY_RUN],
    secrets: { WHATSAPP_ACCESS_TOKEN: 'access-token', WHATSAPP_NEW_PIN: 'new-pin' },
    run: subActionFlow(setPin)
  }
]
