import { parseArgs, UsageError, type ParsedArgs } from './args.js'
import { COMMANDS, type CommandSpec, type Ended } from './commands.js'
import { GREEN, paint, RED, terminalHost, YELLOW, type Terminal } from './terminal.js'

export const TOOL = 'whatsapp-cloud-api-register'

/** Exit codes, documented in the README. */
export const EXIT = { success: 0, failed: 1, usage: 2, uncertain: 3 } as const

const BOOLEANS = new Set(
  COMMANDS.flatMap(command => command.options.filter(o => o.boolean).map(o => o.name))
)

/** Runs one command line; returns the exit code. Nothing here exits the process. */
export async function main(
  argv: string[],
  env: NodeJS.ProcessEnv,
  terminal: Terminal,
  workspace: string
): Promise<number> {
  let args: ParsedArgs
  try {
    args = parseArgs(argv, BOOLEANS)
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    return usage(terminal, error.message)
  }
  const command = COMMANDS.find(spec => spec.name === args.command)
  if (args.command === undefined) {
    terminal.stdout(generalHelp())
    return args.help ? EXIT.success : EXIT.usage
  }
  if (!command) {
    // Named only when it looks like a command word: a mistyped secret is never echoed.
    const shown = /^[a-z][a-z-]{0,29}$/.test(args.command) ? `${args.command}: ` : ''
    return usage(terminal, `${shown}not a command (the commands are ${commandNames()}).`)
  }
  if (args.help) {
    terminal.stdout(commandHelp(command))
    return EXIT.success
  }
  const known = new Set(command.options.map(option => option.name))
  const unknown = [...args.options.keys()].find(name => !known.has(name))
  if (unknown !== undefined) {
    return usage(
      terminal,
      `--${unknown}: not an option of ${command.name} (see ${TOOL} ${command.name} --help).`
    )
  }

  const inputs = new Map(args.options)
  for (const [variable, input] of Object.entries(command.secrets)) {
    const value = env[variable]
    if (value !== undefined && value !== '') inputs.set(input, value)
  }
  const outputs = new Map<string, string>()
  const report = await command.run(terminalHost(inputs, terminal, outputs, workspace))
  if (args.json) terminal.stdout(`${JSON.stringify(Object.fromEntries(outputs))}\n`)
  else terminal.stdout(resultLines(terminal, outputs))
  return exitCode(report, outputs)
}

function exitCode(report: Ended | undefined, outputs: ReadonlyMap<string, string>): number {
  if (report === undefined) return EXIT.failed
  if (report.inputProblems !== undefined) return EXIT.usage
  if (report.result === 'uncertain') return EXIT.uncertain
  return outputs.get('success') === 'true' ? EXIT.success : EXIT.failed
}

function usage(terminal: Terminal, message: string): number {
  terminal.stderr(`${paint(terminal, 'error:', RED)} ${message}\n`)
  return EXIT.usage
}

/** The result and the outputs a person looks for, one per line. */
function resultLines(terminal: Terminal, outputs: ReadonlyMap<string, string>): string {
  const result = outputs.get('result') ?? 'failed'
  const ok = outputs.get('success') === 'true'
  const colour = ok ? GREEN : result === 'uncertain' ? YELLOW : RED
  const shown = [
    'phone-number-id',
    'display-phone-number',
    'platform-type',
    'phone-number-status',
    'storage-region',
    'attempts'
  ]
    .filter(name => (outputs.get(name) ?? '') !== '')
    .map(name => `  ${name}: ${outputs.get(name)}\n`)
  return `${paint(terminal, `Result: ${result}`, colour)}\n${shown.join('')}`
}

function commandNames(): string {
  return COMMANDS.map(command => command.name).join(', ')
}

function generalHelp(): string {
  return [
    `Usage: ${TOOL} <command> [options]`,
    '',
    'Commands:',
    ...COMMANDS.map(command => `  ${command.name.padEnd(12)}${command.summary}`),
    '',
    `Secrets come from the environment only, never from flags. Run ${TOOL} <command> --help for its options.`,
    'Exit codes: 0 success (also already registered and dry run), 1 failed, 2 bad usage or input (no request made), 3 uncertain outcome (check before running again).',
    ''
  ].join('\n')
}

function commandHelp(command: CommandSpec): string {
  const width = Math.max(...command.options.map(option => option.name.length)) + 4
  return [
    `Usage: ${TOOL} ${command.name} [options]`,
    '',
    command.summary,
    '',
    'Options:',
    ...command.options.map(option => `  --${option.name.padEnd(width)}${option.help}`),
    '  --json'.padEnd(width + 4) +
      'Print one JSON object with the outputs, and nothing else, on stdout.',
    '',
    'Secrets (environment variables):',
    ...Object.entries(command.secrets).map(
      ([variable, input]) => `  ${variable.padEnd(width + 2)}${input}`
    ),
    ''
  ].join('\n')
}
