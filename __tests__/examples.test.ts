import { describe, it, expect, beforeAll } from '@jest/globals'
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'
import { DEFAULT_API_VERSION, DEFAULT_GRAPH_API_URL } from '../src/constants.js'
import type { Settings } from '../src/inputs.js'
import { longestCallRunMs, longestRunMs } from '../src/longest-run.js'
import { DEFAULT_TIMING } from '../src/retry.js'
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
        '.github/workflows/codeql.yml',
        '.github/workflows/release.yml'
      ])
    )
  })

  it.each(files)('%s has no findings', async file => {
    expect(shown(await validateWorkflowSource(read(file), file, action, root))).toEqual([])
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

  it('knows the attestations permission, which the schema predates, and no misspelling of it', async () => {
    const source = (scope: string): string => `name: t
on: workflow_dispatch
permissions: {}
jobs:
  a:
    runs-on: ubuntu-latest
    permissions:
      id-token: write
      ${scope}: write
    steps:
      - run: echo
`
    expect(await kinds(source('attestations'), '.github/workflows/t.yml')).toEqual([])
    expect(await kinds(source('attestation'), '.github/workflows/t.yml')).toEqual(
      expect.arrayContaining(['actionlint/permissions'])
    )
  })

  it('checks the reusable workflows a job calls: there, callable, or pinned by SHA', async () => {
    const calls = (uses: string): string => `name: t
on: workflow_dispatch
jobs:
  a:
    uses: ${uses}
`
    const found = async (uses: string): Promise<string[]> =>
      (await validateWorkflowSource(calls(uses), '.github/workflows/t.yml', action, root)).map(
        finding => `${finding.kind}: ${finding.message}`
      )
    expect(await found('./.github/workflows/ci.yml')).toEqual([])
    expect(await found('./.github/workflows/none.yml')).toEqual([
      'reusable: reusable workflow "./.github/workflows/none.yml" does not exist'
    ])
    expect(await found('./.github/workflows/codeql.yml')).toEqual([
      'reusable: "./.github/workflows/codeql.yml" has no "workflow_call" trigger: it cannot be called'
    ])
    expect(await found('octo/repo/.github/workflows/ci.yml@main')).toEqual([
      'pin: "octo/repo/.github/workflows/ci.yml@main" is not pinned to a full commit SHA'
    ])
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

  it('keeps its triggers, and the release workflow can call it without a concurrency deadlock', () => {
    const ci = parse(read('.github/workflows/ci.yml')) as {
      on: Record<string, unknown>
      concurrency: { group: string }
    }
    expect(Object.keys(ci.on).sort()).toEqual([
      'pull_request',
      'push',
      'workflow_call',
      'workflow_dispatch'
    ])
    // Called, github.workflow is the caller's name: the group must not be the caller's.
    const release = parse(read('.github/workflows/release.yml')) as {
      concurrency: { group: string }
    }
    expect(ci.concurrency.group).not.toContain('github.workflow')
    expect(ci.concurrency.group).not.toBe(release.concurrency.group)
  })

  it('uses the action as users do (uses: ./) on Linux, macOS and Windows', () => {
    const job = Object.values(jobs).find(job => job.steps.some(step => step.uses === './'))
    expect(job?.strategy?.matrix?.os).toEqual(['ubuntu-latest', 'macos-latest', 'windows-latest'])
    expect(job?.['runs-on']).toBe('${{ matrix.os }}')
  })
})

describe('release.yml', () => {
  interface Step {
    uses?: string
    run?: string
    with?: Record<string, unknown>
  }
  interface Job {
    needs?: string | string[]
    if?: string
    uses?: string
    permissions?: Record<string, string>
    steps?: Step[]
  }
  const workflow = parse(read('.github/workflows/release.yml')) as {
    on: unknown
    permissions: unknown
    concurrency: { group: string; 'cancel-in-progress': boolean }
    jobs: Record<string, Job>
  }
  const { jobs } = workflow
  const job = (name: string): Job => {
    const found = jobs[name]
    if (!found) throw new Error(`release.yml has no job ${name}`)
    return found
  }
  /** Every job that has to pass before `name` runs. */
  const before = (name: string): string[] => {
    const direct = [job(name).needs ?? []].flat()
    return [...new Set([...direct, ...direct.flatMap(before)])].sort()
  }
  const runs = (name: string): string =>
    (job(name).steps ?? []).map(step => step.run ?? '').join('\n')
  const allSteps = Object.values(jobs).flatMap(job => job.steps ?? [])

  it('runs on a version tag vX.Y.Z, and on nothing else', () => {
    expect(workflow.on).toEqual({ push: { tags: ['v[0-9]+.[0-9]+.[0-9]+'] } })
  })

  it('grants nothing by default, and each job only what it needs', () => {
    expect(workflow.permissions).toEqual({})
    const grants = Object.entries(jobs).map(([name, job]) => [name, job.permissions])
    expect(Object.fromEntries(grants)).toEqual({
      verify: { contents: 'read' },
      ci: { contents: 'read' },
      attest: { contents: 'read', 'id-token': 'write', attestations: 'write' },
      release: { contents: 'write' },
      'major-tag': { contents: 'write' }
    })
  })

  it('runs one release at a time, and never cancels one halfway', () => {
    expect(workflow.concurrency['cancel-in-progress']).toBe(false)
    expect(workflow.concurrency.group).not.toMatch(/github\.ref/)
  })

  it('checks the tag, package.json, the CHANGELOG and a fresh bundle, and runs the whole CI', () => {
    expect(runs('verify')).toContain('git merge-base --is-ancestor')
    expect(runs('verify')).toContain('require("./package.json").version')
    expect(runs('verify')).toContain('node script/changelog-section.js')
    expect(runs('verify')).toMatch(/npm ci\b/)
    expect(runs('verify')).toMatch(/npm run -s bundle[\s\S]*git status --porcelain/)
    expect(job('ci').uses).toBe('./.github/workflows/ci.yml')
    expect(before('ci')).toEqual(['verify'])
  })

  it('attests every index.js under dist/ once verify and CI passed', () => {
    const attest = (job('attest').steps ?? []).find(step =>
      step.uses?.startsWith('actions/attest-build-provenance@')
    )
    expect(attest?.uses).toMatch(/^actions\/attest-build-provenance@[0-9a-f]{40}$/)
    expect(attest?.with).toEqual({ 'subject-checksums': '${{ runner.temp }}/bundles.sha256' })
    expect(runs('attest')).toMatch(
      /shopt -s globstar nullglob\n\s*bundles=\(dist\/\*\*\/index\.js\)[\s\S]*sha256sum "\$\{bundles\[@\]\}" \| tee "\$RUNNER_TEMP\/bundles\.sha256"/
    )
    const bundles = readdirSync(path.join(root, 'dist'), { recursive: true, encoding: 'utf8' })
      .map(file => file.split(path.sep).join('/'))
      .filter(file => file === 'index.js' || file.endsWith('/index.js'))
    expect(bundles).toContain('index.js')
    expect(before('attest')).toEqual(['ci', 'verify'])
  })

  it('publishes the release, its notes from CHANGELOG.md, only once the bundles are attested', () => {
    expect(runs('release')).toMatch(/node script\/changelog-section\.js "\$TAG" > "\$notes"/)
    expect(runs('release')).toMatch(
      /gh release create "\$TAG" --verify-tag .*--notes-file "\$notes"/
    )
    expect(before('release')).toEqual(['attest', 'ci', 'verify'])
  })

  it('moves the major tag last, only for the newest release of its major version', () => {
    expect(before('major-tag')).toEqual(['attest', 'ci', 'release', 'verify'])
    expect(job('major-tag').if).toBe("needs.verify.outputs.newest == 'true'")
    expect(runs('major-tag')).toContain('git/refs/tags/$MAJOR')
  })

  it('leaves no token in a checkout, and pushes nothing with git', () => {
    const checkouts = allSteps.filter(step => step.uses?.startsWith('actions/checkout@'))
    expect(checkouts.length).toBeGreaterThan(0)
    for (const step of checkouts) expect(step.with?.['persist-credentials']).toBe(false)
    // The major tag moves through the API; `git push` appears only in the message for a human.
    const pushes = allSteps.filter(step => /^\s*git push/m.test(step.run ?? ''))
    expect(pushes.map(step => step.run)).toEqual([])
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

describe('the examples follow the advice on job time limits', () => {
  /** A literal input, or undefined for an unset one or an expression (its value is not known). */
  const literal = (value: unknown): string | undefined =>
    typeof value === 'string' && !value.includes('${{') ? value : undefined
  const whole = (value: unknown, fallback: number): number => Number(literal(value) ?? fallback)

  /** The longest one step of this repository's actions can take, as the step prints it. */
  function longestStepMs(uses: string, inputs: Record<string, unknown>): number {
    const timeoutMs = whole(inputs['timeout-seconds'], 60) * 1000
    const retries = whole(inputs.retries, 2)
    const settleMs = whole(inputs['settle-seconds'], 30) * 1000
    // An expression may be false: the step is counted as a real run.
    const dryRun = literal(inputs['dry-run']) === 'true'
    const sub = ownActionPath(uses)
    if (sub === 'deregister' || sub === 'set-pin') {
      return longestCallRunMs(
        {
          timeoutMs,
          retries,
          dryRun,
          readAfter: sub === 'deregister',
          ...(sub === 'deregister' && { settleMs })
        },
        DEFAULT_TIMING
      )
    }
    const settings: Settings = {
      accessToken: 't',
      phoneNumberId: '1',
      pin: '000000',
      apiVersion: literal(inputs['api-version']) ?? DEFAULT_API_VERSION,
      graphApiUrl: DEFAULT_GRAPH_API_URL,
      timeoutMs,
      retries,
      settleMs,
      preflight: literal(inputs.preflight) !== 'false',
      skipIfRegistered: true,
      dryRun,
      ...(inputs['data-localization-region'] !== undefined && { dataLocalizationRegion: 'DE' }),
      ...(inputs['on-region-mismatch'] !== undefined && { onRegionMismatch: 're-register' }),
      ...(inputs['waba-id'] !== undefined && {
        wiring: {
          wabaId: '1',
          ...(inputs['callback-url'] !== undefined && {
            webhook: { callbackUrl: 'https://x', verifyToken: 'v' }
          })
        }
      })
    }
    return longestRunMs(settings, DEFAULT_TIMING)
  }

  const jobs = readdirSync(path.join(root, 'examples'))
    .filter(file => file.endsWith('.yml') && file !== 'gitlab-ci.yml')
    .flatMap(file => {
      const workflow = parse(read(`examples/${file}`)) as {
        jobs: Record<
          string,
          {
            'timeout-minutes'?: number
            steps?: { uses?: string; with?: Record<string, unknown> }[]
          }
        >
      }
      return Object.entries(workflow.jobs).map(([name, job]) => [`${file} ${name}`, job] as const)
    })
    .filter(([, job]) =>
      (job.steps ?? []).some(step => step.uses?.includes('whatsapp-cloud-api-register'))
    )

  it.each(jobs)('%s has a timeout-minutes above the longest run of its steps', (_, job) => {
    const longestMs = (job.steps ?? [])
      .filter(step => step.uses?.includes('whatsapp-cloud-api-register'))
      .reduce((sum, step) => sum + longestStepMs(step.uses ?? '', step.with ?? {}), 0)
    expect(job['timeout-minutes']).toBeDefined()
    expect((job['timeout-minutes'] ?? 0) * 60_000).toBeGreaterThan(longestMs)
  })
})
