import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { describe, it, expect } from '@jest/globals'
import { parse } from 'yaml'
import { parseArgs, SECRET_FLAGS, UsageError } from '../src/cli/args.js'
import { COMMANDS } from '../src/cli/commands.js'

/** The action.yml each command mirrors. */
const ACTION_OF: Record<string, string> = {
  register: 'action.yml',
  check: 'action.yml',
  deregister: 'deregister/action.yml',
  'set-pin': 'set-pin/action.yml'
}

function inputsOf(command: string): string[] {
  const file = ACTION_OF[command] ?? 'missing'
  const yml = parse(readFileSync(new URL(`../${file}`, import.meta.url), 'utf8')) as {
    inputs: Record<string, unknown>
  }
  return Object.keys(yml.inputs)
}

describe('CLI options mirror the action inputs', () => {
  it('has a command for each action', () => {
    expect(COMMANDS.map(command => command.name).sort()).toEqual(Object.keys(ACTION_OF).sort())
  })

  it.each(['register', 'deregister', 'set-pin'])(
    '%s takes every input of its action.yml, as an option or a secret from the environment',
    name => {
      const command = COMMANDS.find(spec => spec.name === name)
      const covered = [
        ...(command?.options.map(o => o.name) ?? []),
        ...Object.values(command?.secrets ?? {})
      ]
      expect(covered.sort()).toEqual(inputsOf(name).sort())
    }
  )

  it.each(COMMANDS.map(command => [command.name, command] as const))(
    '%s names only inputs of its action.yml, and takes no secret as an option',
    (name, command) => {
      for (const option of command.options) {
        expect(inputsOf(name)).toContain(option.name)
        expect(Object.keys(SECRET_FLAGS)).not.toContain(option.name)
      }
      for (const [variable, input] of Object.entries(command.secrets)) {
        expect(SECRET_FLAGS[input]).toBe(variable)
      }
    }
  )
})

describe('parseArgs', () => {
  const booleans = new Set(['dry-run'])

  it('takes a command, options with separate or inline values, bare booleans and --json', () => {
    const parsed = parseArgs(
      ['register', '--phone-number-id', '123', '--retries=0', '--dry-run', '--json'],
      booleans
    )
    expect(parsed).toEqual({
      command: 'register',
      options: new Map([
        ['phone-number-id', '123'],
        ['retries', '0'],
        ['dry-run', 'true']
      ]),
      help: false,
      json: true
    })
  })

  it('keeps an inline value exactly, = and spaces included', () => {
    expect(parseArgs(['--backup-file=a b=c.json'], booleans).options.get('backup-file')).toBe(
      'a b=c.json'
    )
  })

  it('refuses a secret flag before anything else is looked at, without echoing it', () => {
    expect(() => parseArgs(['--bogus', '--pin=004217'], booleans)).toThrow(UsageError)
    try {
      parseArgs(['deploy', '--new-pin', '004217'], booleans)
    } catch (error) {
      expect((error as Error).message).toMatch(/^--new-pin: a secret is never taken as a flag/)
      expect((error as Error).message).not.toContain('004217')
    }
  })

  it.each([['register', '004217'], ['-004217']])(
    'never echoes a stray argument, which may be a secret typed in the wrong place: %j',
    (...argv) => {
      expect(() => parseArgs(argv, booleans)).toThrow(UsageError)
      try {
        parseArgs(argv, booleans)
      } catch (error) {
        expect((error as Error).message).not.toContain('004217')
      }
    }
  )

  it.each([
    [['--retries', '1', '--retries', '2'], /--retries: given twice/],
    [['register', 'check'], /one command at a time/],
    [['-x'], /starting with "-" is not an option/]
  ])('refuses %j', (argv, message) => {
    expect(() => parseArgs(argv, booleans)).toThrow(message)
  })
})

describe('the npm package', () => {
  it('packs the CLI bundle under its bin name, with a shebang', () => {
    const packageJson = JSON.parse(
      readFileSync(new URL('../package.json', import.meta.url), 'utf8')
    ) as { bin: Record<string, string> }
    expect(packageJson.bin).toEqual({ 'whatsapp-cloud-api-register': 'dist/cli/index.js' })
    const [packed] = JSON.parse(
      execFileSync('npm', ['pack', '--dry-run', '--json'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore']
      })
    ) as { files: { path: string }[] }[]
    expect(packed?.files.map(file => file.path)).toEqual(
      expect.arrayContaining(['dist/cli/index.js', 'dist/index.js', 'action.yml', 'LICENSE'])
    )
    expect(readFileSync(new URL('../dist/cli/index.js', import.meta.url), 'utf8')).toMatch(
      /^#!\/usr\/bin\/env node\n/
    )
  })
})
