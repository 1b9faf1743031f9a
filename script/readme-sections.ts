// Generates the README's tables from their sources of truth (action.yml, each sub-action's
// action.yml, src/error-codes.ts, examples/), so the documentation cannot drift: `npm run docs`
// rewrites them, and a test fails when they differ.
import { readdirSync, readFileSync } from 'node:fs'
import { format, resolveConfig } from 'prettier'
import { parse } from 'yaml'
import { KNOWN_ERRORS, type RetryPolicy } from '../src/error-codes.js'

interface ActionInput {
  description: string
  required?: boolean
  default?: string
}
interface ActionMetadata {
  inputs: Record<string, ActionInput>
  outputs: Record<string, { description: string }>
}

/** Inputs grouped by purpose, in the order a reader needs them. */
const INPUT_GROUPS: [string, string[]][] = [
  ['The number and its credentials', ['access-token', 'phone-number-id', 'pin']],
  ['Migration from the On-Premises API', ['backup-data', 'backup-file', 'backup-password']],
  ['The request', ['data-localization-region', 'api-version', 'graph-api-url']],
  [
    'Safety and behaviour',
    ['timeout-seconds', 'retries', 'settle-seconds', 'preflight', 'skip-if-registered', 'dry-run']
  ]
]

const RETRY_LABELS: Record<RetryPolicy, string> = {
  never: 'never',
  no: 'no (unless Meta marks it transient)',
  backoff: 'yes, with backoff',
  'read-then-backoff': 'yes, after reading the number until it settles',
  'retry-after-only': 'only when the server sends Retry-After'
}

export function parseActionMetadata(text: string): ActionMetadata {
  return parse(text) as ActionMetadata
}

function cell(text: string): string {
  return text.replace(/\s+/g, ' ').trim().replace(/\|/g, '\\|')
}

export function inputsSection(action: ActionMetadata): string {
  const grouped = new Set(INPUT_GROUPS.flatMap(([, names]) => names))
  const missing = Object.keys(action.inputs).filter(name => !grouped.has(name))
  if (missing.length > 0) throw new Error(`Inputs without a README group: ${missing.join(', ')}`)
  return INPUT_GROUPS.map(([title, names]) =>
    [`**${title}**`, '', inputsTable(action, names)].join('\n')
  ).join('\n\n')
}

/** A sub-action's inputs: one table, in the order of its action.yml. */
export function subActionInputsSection(action: ActionMetadata): string {
  return inputsTable(action, Object.keys(action.inputs))
}

function inputsTable(action: ActionMetadata, names: string[]): string {
  return [
    '| Input | Required | Default | Description |',
    '| --- | --- | --- | --- |',
    ...names.map(name => {
      const input = action.inputs[name]
      if (!input) throw new Error(`README group names an unknown input: ${name}`)
      const fallback = input.default === undefined ? '' : `\`${input.default}\``
      return `| \`${name}\` | ${input.required ? 'yes' : 'no'} | ${fallback} | ${cell(input.description)} |`
    })
  ].join('\n')
}

export function outputsSection(action: ActionMetadata): string {
  return [
    '| Output | Description |',
    '| --- | --- |',
    ...Object.entries(action.outputs).map(
      ([name, output]) => `| \`${name}\` | ${cell(output.description)} |`
    )
  ].join('\n')
}

export function troubleshootingSection(): string {
  return [
    '| Code | Meaning | What to do | Retried by the action |',
    '| --- | --- | --- | --- |',
    ...KNOWN_ERRORS.map(
      error =>
        `| ${cell(error.label)} | ${cell(error.meaning)} | ${cell(error.action)} | ${RETRY_LABELS[error.retry]} |`
    )
  ].join('\n')
}

/** Replaces the text between `<!-- name:start -->` and `<!-- name:end -->`. */
export function replaceSection(readme: string, name: string, content: string): string {
  const start = `<!-- ${name}:start -->`
  const end = `<!-- ${name}:end -->`
  const from = readme.indexOf(start)
  const to = readme.indexOf(end)
  if (from === -1 || to < from) throw new Error(`README has no ${start} … ${end} section`)
  return `${readme.slice(0, from + start.length)}\n\n${content}\n\n${readme.slice(to)}`
}

/** An example workflow quoted whole, so that what the README shows is what CI validates. */
export function exampleSection(fileName: string, content: string): string {
  return `[\`examples/${fileName}\`](examples/${fileName})\n\n\`\`\`yaml\n${content.trimEnd()}\n\`\`\``
}

/**
 * The README with every generated section brought up to date. `subActions` holds each
 * sub-action's action.yml by its folder; its tables go between `<!-- <folder> inputs:start -->`
 * and `<!-- <folder> outputs:start -->` markers and their ends.
 */
export function renderReadme(
  readme: string,
  actionYml: string,
  examples: Record<string, string>,
  subActions: Record<string, string> = {}
): string {
  const action = parseActionMetadata(actionYml)
  let text = replaceSection(readme, 'inputs', inputsSection(action))
  text = replaceSection(text, 'outputs', outputsSection(action))
  for (const [dir, yml] of Object.entries(subActions)) {
    const subAction = parseActionMetadata(yml)
    text = replaceSection(text, `${dir} inputs`, subActionInputsSection(subAction))
    text = replaceSection(text, `${dir} outputs`, outputsSection(subAction))
  }
  text = replaceSection(text, 'troubleshooting', troubleshootingSection())
  for (const [fileName, content] of Object.entries(examples)) {
    text = replaceSection(text, `example ${fileName}`, exampleSection(fileName, content))
  }
  return text
}

/** The sub-actions, each a folder with its own action.yml. */
export const SUB_ACTIONS = ['deregister', 'set-pin'] as const

/** Reads what the README is generated from, relative to the repository root. */
export function readSources(root: URL): {
  actionYml: string
  examples: Record<string, string>
  subActions: Record<string, string>
} {
  const examplesDir = new URL('examples/', root)
  const examples = Object.fromEntries(
    readdirSync(examplesDir)
      .filter(name => name.endsWith('.yml'))
      .sort()
      .map(name => [name, readFileSync(new URL(name, examplesDir), 'utf8')])
  )
  const subActions = Object.fromEntries(
    SUB_ACTIONS.map(dir => [dir, readFileSync(new URL(`${dir}/action.yml`, root), 'utf8')])
  )
  return { actionYml: readFileSync(new URL('action.yml', root), 'utf8'), examples, subActions }
}

/** The README as `npm run docs` writes it: generated parts refreshed, then formatted by Prettier. */
export async function renderReadmeFile(root: URL): Promise<{ current: string; rendered: string }> {
  const readmePath = new URL('README.md', root)
  const current = readFileSync(readmePath, 'utf8')
  const { actionYml, examples, subActions } = readSources(root)
  const options = await resolveConfig(readmePath)
  const rendered = await format(renderReadme(current, actionYml, examples, subActions), {
    ...options,
    filepath: readmePath.pathname
  })
  return { current, rendered }
}
