import { describe, it, expect, beforeAll } from '@jest/globals'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'
import {
  formatFinding,
  ownActionPath,
  readActionCatalog,
  SUB_ACTIONS,
  validateActionSource,
  validateWorkflowSource,
  workflowFiles,
  type ActionCatalog,
  type Finding
} from '../script/validate-workflows.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const read = (file: string): string => readFileSync(path.join(root, file), 'utf8')
const shown = (findings: Finding[]): string[] => findings.map(formatFinding)

const files = workflowFiles(root)
let action: ActionCatalog

beforeAll(() => {
  action = readActionCatalog(root)
})

describe('workflow files', () => {
  it('has the six examples and the repository workflows', () => {
    expect(files.filter(file => file.startsWith('examples/')).length).toBeGreaterThanOrEqual(6)
    expect(files).toEqual(
      expect.arrayContaining([
        '.github/workflows/ci.yml',
        '.github/workflows/check-dist.yml',
        '.github/workflows/codeql.yml'
      ])
    )
  })

  it.each(files)('%s has no findings', async file => {
    expect(shown(await validateWorkflowSource(read(file), file, action))).toEqual([])
  })

  it.each(['action.yml', ...SUB_ACTIONS.map(dir => `${dir}/action.yml`)])(
    '%s has no findings, and its bundle exists',
    file => {
      expect(shown(validateActionSource(read(file), file, root))).toEqual([])
    }
  )
})

describe('sub-actions', () => {
  const job = (steps: string): string => `name: t
on: workflow_dispatch
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
${steps}`
  const sha = '0000000000000000000000000000000000000000 # v1.0.0'

  it.each<[string, string | undefined]>([
    ['./', ''],
    ['.', ''],
    ['./deregister', 'deregister'],
    ['./set-pin/', 'set-pin'],
    ['./other-action', undefined],
    [`your-org/whatsapp-cloud-api-register@${sha}`, ''],
    [`your-org/whatsapp-cloud-api-register/set-pin@${sha}`, 'set-pin'],
    [`your-org/whatsapp-cloud-api-register/nope@${sha}`, 'nope'],
    [`actions/checkout@${sha}`, undefined]
  ])('%s is %p', (ref, expected) => {
    expect(ownActionPath(ref)).toBe(expected)
  })

  it("checks a sub-action's inputs and outputs against its own action.yml", async () => {
    const source = job(`      - id: pin
        uses: your-org/whatsapp-cloud-api-register/set-pin@${sha}
        with:
          access-token: \${{ secrets.T }}
          phone-number-id: '1'
          pin: \${{ secrets.PIN }}
      - run: echo "\${{ steps.pin.outputs.result }} \${{ steps.pin.outputs.attempts }}"
`)
    expect(shown(await validateWorkflowSource(source, 'examples/t.yml', action))).toEqual([
      expect.stringMatching(/^examples\/t\.yml:8:15: required input "new-pin" is missing/),
      expect.stringMatching(/^examples\/t\.yml:12:11: input "pin" is not defined in action\.yml/),
      expect.stringMatching(/:13:\d+: output "attempts" of step "pin" is not defined/)
    ])
  })

  it('requires new-pin from secrets in an example, and names an unknown sub-action', async () => {
    const source = job(`      - uses: your-org/whatsapp-cloud-api-register/set-pin@${sha}
        with:
          access-token: \${{ secrets.T }}
          phone-number-id: '1'
          new-pin: '123456'
      - uses: your-org/whatsapp-cloud-api-register/unregister@${sha}
`)
    expect(
      (await validateWorkflowSource(source, 'examples/t.yml', action)).map(
        f => `${f.tool}/${f.kind}`
      )
    ).toEqual(['own/secret-input', 'own/action'])
  })

  it('finds a runs.main that names no bundle', () => {
    const broken = read('deregister/action.yml').replace(
      'main: ../dist/deregister/index.js',
      'main: dist/deregister/index.js'
    )
    expect(shown(validateActionSource(broken, 'deregister/action.yml', root))).toEqual([
      expect.stringMatching(/runs\.main names dist\/deregister\/index\.js, which does not exist/)
    ])
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
