/** A command line taken apart: the command, its options by input name, and the CLI's own flags. */
export interface ParsedArgs {
  command?: string
  /** Options named like the action inputs they mirror (`--phone-number-id` → `phone-number-id`). */
  options: Map<string, string>
  help: boolean
  json: boolean
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

/** Inputs that are secrets: never taken as flags. */
export const SECRET_FLAGS: Record<string, string> = {
  'access-token': 'WHATSAPP_ACCESS_TOKEN',
  pin: 'WHATSAPP_PIN',
  'new-pin': 'WHATSAPP_NEW_PIN',
  'backup-data': 'WHATSAPP_BACKUP_DATA',
  'backup-password': 'WHATSAPP_BACKUP_PASSWORD',
  'verify-token': 'WHATSAPP_VERIFY_TOKEN'
}

/**
 * Parses `command --name value --name=value --flag`. Boolean options given bare mean `true`. A
 * secret given as a flag is refused first, whatever else is wrong: a flag lands in shell history
 * and in every process list.
 */
export function parseArgs(argv: string[], booleans: ReadonlySet<string>): ParsedArgs {
  for (const arg of argv) {
    const name = /^--([a-z][a-z0-9-]*)/.exec(arg)?.[1]
    if (name !== undefined && name in SECRET_FLAGS) {
      throw new UsageError(
        `--${name}: a secret is never taken as a flag (it would land in shell history and in process lists); set ${SECRET_FLAGS[name]} in the environment instead.`
      )
    }
  }
  const parsed: ParsedArgs = { options: new Map(), help: false, json: false }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? ''
    if (arg === '--help' || arg === '-h') {
      parsed.help = true
      continue
    }
    if (arg === '--json') {
      parsed.json = true
      continue
    }
    const option = /^--([a-z][a-z0-9-]*)(?:=(.*))?$/s.exec(arg)
    if (!option) {
      // Never echoed: a stray argument may be a secret typed in the wrong place.
      if (arg.startsWith('-'))
        throw new UsageError(
          'an argument starting with "-" is not an option this tool knows (options are --name value or --name=value).'
        )
      if (parsed.command !== undefined) {
        throw new UsageError('one command at a time, and option values go after --name.')
      }
      parsed.command = arg
      continue
    }
    const [, name = '', inline] = option
    if (parsed.options.has(name)) throw new UsageError(`--${name}: given twice.`)
    if (inline !== undefined) parsed.options.set(name, inline)
    else if (booleans.has(name)) parsed.options.set(name, 'true')
    else {
      const value = argv[i + 1]
      if (value === undefined || value.startsWith('--')) {
        throw new UsageError(`--${name}: needs a value (--${name} VALUE or --${name}=VALUE).`)
      }
      parsed.options.set(name, value)
      i++
    }
  }
  return parsed
}
