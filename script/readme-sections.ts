// Generates the documentation's tables from their sources of truth (action.yml, each sub-action's
// action.yml, src/error-codes.ts), so it cannot drift: `npm run docs` rewrites them, and a test
// fails when they differ.
import { readFileSync } from 'node:fs'
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
  ['Receiving messages', ['waba-id', 'app-id', 'callback-url', 'verify-token']],
  [
    'The request',
    ['data-localization-region', 'on-region-mismatch', 'api-version', 'graph-api-url']
  ],
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

/** Longest the README may be: a newcomer reads it in five minutes; the rest lives in docs/. */
export const MAX_README_LINES = 300

/** The sub-actions, each a folder with its own action.yml. */
export const SUB_ACTIONS = ['deregister', 'set-pin'] as const

/**
 * The README with its generated tables brought up to date: the action's inputs and outputs, and
 * each sub-action's (`subActions`: its action.yml by folder) between `<!-- <folder> inputs:start -->`
 * and `<!-- <folder> outputs:start -->` markers and their ends.
 */
export function renderReadme(
  readme: string,
  actionYml: string,
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
  return text
}

/** docs/troubleshooting.md with its table of known errors brought up to date. */
export function renderTroubleshooting(doc: string): string {
  return replaceSection(doc, 'troubleshooting', troubleshootingSection())
}

/** A generated document: what is on disk, and what `npm run docs` would write. */
export interface GeneratedDoc {
  path: string
  current: string
  rendered: string
}

/** Every document with generated parts, as `npm run docs` writes them (formatted by Prettier). */
export async function renderDocs(root: URL): Promise<GeneratedDoc[]> {
  const actionYml = readFileSync(new URL('action.yml', root), 'utf8')
  const subActions = Object.fromEntries(
    SUB_ACTIONS.map(dir => [dir, readFileSync(new URL(`${dir}/action.yml`, root), 'utf8')])
  )
  const render: [string, (text: string) => string][] = [
    ['README.md', text => renderReadme(text, actionYml, subActions)],
    ['docs/troubleshooting.md', renderTroubleshooting]
  ]
  return Promise.all(
    render.map(async ([path, generate]) => {
      const url = new URL(path, root)
      const current = readFileSync(url, 'utf8')
      const options = await resolveConfig(url)
      const rendered = await format(generate(current), { ...options, filepath: url.pathname })
      return { path, current, rendered }
    })
  )
}
