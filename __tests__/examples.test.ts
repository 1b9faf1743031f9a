import { describe, it, expect, beforeAll } from '@jest/globals'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'
import {
  formatFinding,
  readActionMetadata,
  validateActionSource,
  validateWorkflowSource,
  workflowFiles,
  type ActionMetadata,
  type Finding
} from '../script/validate-workflows.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const read = (file: string): string => readFileSync(path.join(root, file), 'utf8')
const shown = (findings: Finding[]): string[] => findings.map(formatFinding)

const files = workflowFiles(root)
let action: ActionMetadata

beforeAll(() => {
  action = readActionMetadata(read('action.yml'))
})

describe('workflow files', () => {
  it('has the five examples and the repository workflows', () => {
    expect(files.filter(file => file.startsWith('examples/')).length).toBeGreaterThanOrEqual(5)
    expect(files).toEqual(
      expect.arrayContaining(['.github/workflows/ci.yml', '.github/workflows/codeql.yml'])
    )
  })

  it.each(files)('%s has no findings', async file => {
    expect(shown(await validateWorkflowSource(read(file), file, action))).toEqual([])
  })

  it('action.yml has no findings', () => {
    expect(shown(validateActionSource(read('action.yml'), 'action.yml'))).toEqual([])
  })
})

describe('the validator finds what it should', () => {
  const step = (lines: string): string => `name: t
on: workflow_dispatch
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
${lines}`
  const ownAction =
    'your-org/whatsapp-cloud-api-register@0000000000000000000000000000000000000000 # v1.0.0'
  const kinds = async (source: string, file = 'examples/t.yml'): Promise<string[]> =>
    (await validateWorkflowSource(source, file, action)).map(f => `${f.tool}/${f.kind}`)

  it('reports an unknown input and a missing required input of the action', async () => {
    const source = step(`      - uses: ${ownAction}
        with:
          acess-token: \${{ secrets.T }}
          phone-number-id: '1'
          pin: \${{ secrets.PIN }}
`)
    const findings = await validateWorkflowSource(source, 'examples/t.yml', action)
    expect(shown(findings)).toEqual([
      expect.stringMatching(/^examples\/t\.yml:7:15: required input "access-token" is missing/),
      expect.stringMatching(/^examples\/t\.yml:9:11: input "acess-token" is not defined/)
    ])
  })

  it('reports an output the action does not declare', async () => {
    const source = step(`      - id: reg
        uses: ${ownAction}
        with:
          access-token: \${{ secrets.T }}
          phone-number-id: '1'
          pin: \${{ secrets.PIN }}
      - run: echo "\${{ steps.reg.outputs.result }} \${{ steps.reg.outputs.fbtrace_id }}"
`)
    expect(shown(await validateWorkflowSource(source, 'examples/t.yml', action))).toEqual([
      expect.stringMatching(/:13:\d+: output "fbtrace_id" of step "reg" is not defined/)
    ])
  })

  it('reports actions not pinned by SHA, or pinned without a version comment', async () => {
    const source = step(`      - uses: actions/checkout@v5
      - uses: actions/setup-node@820762786026740c76f36085b0efc47a31fe5020
`)
    expect(await kinds(source, '.github/workflows/t.yml')).toEqual(['own/pin', 'own/pin'])
  })

  it('reports a secret input given as a literal in an example, but not in our CI', async () => {
    const source = step(`      - uses: ./
        with:
          access-token: sim-token
          phone-number-id: '1'
          pin: '123456'
`)
    expect(await kinds(source, '.github/workflows/t.yml')).toEqual([])
    expect(await kinds(source, 'examples/t.yml')).toEqual([
      'own/example',
      'own/secret-input',
      'own/secret-input'
    ])
  })

  it("passes actionlint's findings on: expressions, untrusted input, unknown keys", async () => {
    const source = step(`      - run: echo "\${{ github.event.issue.title }}"
      - run: echo "\${{ steps.none.outputs.x }}"
        shell: bash
        timeout: 3
`)
    expect(await kinds(source, '.github/workflows/t.yml')).toEqual(
      expect.arrayContaining([
        'actionlint/expression',
        'actionlint/syntax-check',
        expect.stringMatching(/^action-validator\//)
      ])
    )
  })

  it('knows the vars context and current runner labels (an older actionlint did not)', async () => {
    const source = `name: t
on: workflow_dispatch
jobs:
  a:
    runs-on: ubuntu-24.04
    steps:
      - run: echo "$ID"
        env:
          ID: \${{ vars.WA_PHONE_NUMBER_ID }}
`
    expect(await kinds(source, '.github/workflows/t.yml')).toEqual([])
  })

  it('checks action.yml against the schema', () => {
    const broken = read('action.yml').replace(/^runs:\n {2}using: node24/m, 'runs:\n  using: perl')
    expect(shown(validateActionSource(broken, 'action.yml'))).toEqual([
      expect.stringMatching(/^action\.yml:\d+:\d+: \/runs: /)
    ])
  })
})

describe('ci.yml', () => {
  interface Step {
    uses?: string
    run?: string
  }
  interface Job {
    'runs-on': string
    strategy?: { matrix?: Record<string, unknown> }
    steps: Step[]
  }
  const jobs = (parse(read('.github/workflows/ci.yml')) as { jobs: Record<string, Job> }).jobs
  const steps = Object.values(jobs).flatMap(job => job.steps)

  it('runs .ci/run, the one script that checks everything, on Linux', () => {
    const job = Object.values(jobs).find(job =>
      job.steps.some(step => step.run?.trim() === '.ci/run')
    )
    expect(job?.['runs-on']).toBe('ubuntu-latest')
    expect(job?.steps.some(step => step.uses?.startsWith('actions/setup-node@'))).toBe(true)
  })

  it("runs none of .ci/run's checks on its own, so that the two cannot drift apart", () => {
    const checks =
      /^\s*(npm (test|run (lint|format:check|typecheck|bundle|test:contract))|npx jest)\b/m
    expect(steps.filter(step => checks.test(step.run ?? '')).map(step => step.run)).toEqual([])
  })

  it('uses the action as users do (uses: ./) on Linux, macOS and Windows', () => {
    const job = Object.values(jobs).find(job => job.steps.some(step => step.uses === './'))
    expect(job?.strategy?.matrix?.os).toEqual(['ubuntu-latest', 'macos-latest', 'windows-latest'])
    expect(job?.['runs-on']).toBe('${{ matrix.os }}')
  })
})

describe('dependabot.yml', () => {
  it('updates npm and GitHub Actions weekly, grouped', () => {
    const config = parse(read('.github/dependabot.yml')) as {
      version: number
      updates: { 'package-ecosystem': string; schedule: { interval: string }; groups?: object }[]
    }
    expect(config.version).toBe(2)
    expect(config.updates.map(update => update['package-ecosystem']).sort()).toEqual([
      'github-actions',
      'npm'
    ])
    for (const update of config.updates) {
      expect(update.schedule.interval).toBe('weekly')
      expect(Object.keys(update.groups ?? {}).length).toBeGreaterThan(0)
    }
  })
})
