/**
 * `npm run bench`: what users pay for with this action, measured on this machine against the
 * in-repo simulator on loopback, all in one run so that the ratios are fair. Prints a table and
 * writes bench/results.json (git-ignored) for comparison across commits.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { GraphSimulator, type Fault, type SimNumber } from '../sim/graph-simulator.js'
import { ACTION_ENTRY, inputVariable, runAction, type ActionRun } from '../sim/action-runner.js'
import { Redactor } from '../src/redact.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const RUNS = Number(process.env.BENCH_RUNS ?? 15)
const TOKEN = 'EAAbenchTOKENq7Zx'
const PIN = '408213'
const BACKUP = { data: 'BENCHbackupDATA/9xQ==', password: 'bench-pass-Kw2' }
const ID = '70011122233'

interface Scenario {
  name: string
  minimum: number
  number: Partial<SimNumber>
  inputs?: Record<string, string>
  faults?: { register?: Fault[]; read?: Fault[] }
  expectResult: string
}

const onPremise: Partial<SimNumber> = { platformType: 'ON_PREMISE', backup: BACKUP }
const SCENARIOS: Scenario[] = [
  { name: 'migration success', minimum: 1, number: onPremise, inputs: backupInputs(), expectResult: 'registered' },
  { name: 'plain registration', minimum: 1, number: { platformType: 'NOT_APPLICABLE', status: 'PENDING' }, expectResult: 'registered' },
  { name: 'already registered', minimum: 0, number: { platformType: 'CLOUD_API' }, expectResult: 'already-registered' },
  { name: 'dry run', minimum: 0, number: onPremise, inputs: { ...backupInputs(), 'dry-run': 'true' }, expectResult: 'dry-run' },
  { name: 'PIN mismatch', minimum: 1, number: { ...onPremise, pin: '999999' }, inputs: backupInputs(), expectResult: 'failed' },
  { name: 'rate limit', minimum: 1, number: onPremise, inputs: backupInputs(), faults: { register: [{ kind: 'graph-error', status: 400, code: 133016 }] }, expectResult: 'failed' },
  { name: 'one transient failure', minimum: 2, number: onPremise, inputs: backupInputs(), faults: { register: [{ kind: 'respond', status: 503, body: 'upstream unavailable' }] }, expectResult: 'registered' },
  { name: 'timeout, then registered', minimum: 1, number: onPremise, inputs: { ...backupInputs(), 'timeout-seconds': '1' }, faults: { register: [{ kind: 'process-then-hang' }] }, expectResult: 'registered' }
] // prettier-ignore

function backupInputs(): Record<string, string> {
  return { 'backup-data': BACKUP.data, 'backup-password': BACKUP.password }
}

function simulatorFor(number: Partial<SimNumber>): GraphSimulator {
  return new GraphSimulator({
    tokens: [TOKEN],
    numbers: [
      {
        id: ID,
        displayPhoneNumber: '+1 555-0199',
        verifiedName: 'Bench Co',
        platformType: 'ON_PREMISE',
        status: 'CONNECTED',
        pin: PIN,
        ...number
      }
    ]
  })
}

async function runScenario(
  scenario: Scenario
): Promise<{ run: ActionRun; ms: number; calls: number }> {
  const sim = simulatorFor(scenario.number)
  const url = await sim.start()
  if (scenario.faults?.register) sim.script('register', scenario.faults.register)
  if (scenario.faults?.read) sim.script('read', scenario.faults.read)
  try {
    const started = performance.now()
    const run = await runAction({
      'access-token': TOKEN,
      'phone-number-id': ID,
      pin: PIN,
      'graph-api-url': url,
      ...scenario.inputs
    })
    const ms = performance.now() - started
    if (run.outputs.result !== scenario.expectResult) {
      throw new Error(
        `${scenario.name}: result ${run.outputs.result}, expected ${scenario.expectResult}`
      )
    }
    return { run, ms, calls: sim.registerCalls(ID).length }
  } finally {
    await sim.stop()
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/** Median of `runs` timings after one warm-up. */
async function timed(measure: () => Promise<number>, runs = RUNS): Promise<number> {
  await measure()
  const samples: number[] = []
  for (let i = 0; i < runs; i++) samples.push(await measure())
  return median(samples)
}

function spawnTimed(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(command, args, { stdio: 'ignore', env: { PATH: process.env.PATH, ...env } })
    child.on('error', reject)
    child.on('exit', () => resolve(performance.now() - started))
  })
}

/** Peak resident memory of a command in KiB, from GNU time when the machine has it. */
function peakRssKiB(command: string, args: string[]): number | undefined {
  if (!existsSync('/usr/bin/time')) return undefined
  const report = join(mkdtempSync(join(tmpdir(), 'bench-rss-')), 'rss')
  // Exit codes are ignored: the validation-error run fails on purpose.
  spawnSync('/usr/bin/time', ['-f', '%M', '-o', report, command, ...args], { stdio: 'ignore' })
  const kib = Number(readFileSync(report, 'utf8').trim().split('\n').pop())
  return Number.isFinite(kib) && kib > 0 ? kib : undefined
}

function registerBody(): string {
  return JSON.stringify({ messaging_product: 'whatsapp', pin: PIN, backup: BACKUP })
}

/** Base64 backup data of about `mebibytes` MiB, on one line or in 76-character lines. */
function largeBackup(mebibytes: number, multiLine: boolean): string {
  const data = Buffer.alloc(Math.floor(mebibytes * 1024 * 1024 * 0.75), 'large-backup-').toString(
    'base64'
  )
  return multiLine ? (data.match(/.{1,76}/g) ?? []).join('\n') : data
}

/** One migration with `data` in a backup file, timed, with its peak RSS from GNU time. */
async function runWithLargeBackup(data: string): Promise<{ ms: number; rssKiB?: number }> {
  const sim = simulatorFor({
    platformType: 'ON_PREMISE',
    backup: { data, password: BACKUP.password }
  })
  const url = await sim.start()
  const dir = mkdtempSync(join(tmpdir(), 'bench-large-'))
  try {
    writeFileSync(join(dir, 'backup.txt'), data)
    const outputFile = join(dir, 'output')
    writeFileSync(outputFile, '')
    const inputs: Record<string, string> = {
      'access-token': TOKEN,
      'phone-number-id': ID,
      pin: PIN,
      'graph-api-url': url,
      'backup-file': 'backup.txt',
      'backup-password': BACKUP.password
    }
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      GITHUB_OUTPUT: outputFile,
      GITHUB_WORKSPACE: dir
    }
    for (const [name, value] of Object.entries(inputs)) env[inputVariable(name)] = value
    const report = join(dir, 'rss')
    const started = performance.now()
    const child = spawn(
      '/usr/bin/time',
      ['-f', '%M', '-o', report, process.execPath, ACTION_ENTRY],
      {
        cwd: dir,
        env,
        stdio: 'ignore'
      }
    )
    await new Promise(resolve => child.on('exit', resolve))
    const ms = performance.now() - started
    if (!readFileSync(outputFile, 'utf8').includes('registered'))
      throw new Error('large backup: not registered')
    const kib = Number(readFileSync(report, 'utf8').trim().split('\n').pop())
    return { ms, ...(Number.isFinite(kib) && kib > 0 && { rssKiB: kib }) }
  } finally {
    await sim.stop()
  }
}

async function main(): Promise<void> {
  const results: Record<string, unknown> = {
    date: new Date().toISOString(),
    node: process.version,
    runs: RUNS
  }
  const lines: string[] = []
  const row = (...cells: (string | number)[]): void => void lines.push(`| ${cells.join(' | ')} |`)

  // 1. Register calls per outcome.
  lines.push(
    '### Register calls per outcome',
    '',
    '| scenario | register calls | minimum |',
    '| --- | --- | --- |'
  )
  const calls: Record<string, { calls: number; minimum: number }> = {}
  for (const scenario of SCENARIOS) {
    const { calls: count } = await runScenario(scenario)
    calls[scenario.name] = { calls: count, minimum: scenario.minimum }
    row(scenario.name, count, scenario.minimum)
  }
  results.registerCalls = calls

  // 2. Time to outcome: a full migration against an instant simulator, next to the floors.
  const sim = simulatorFor({ platformType: 'ON_PREMISE', pin: null })
  const url = await sim.start()
  const fetchScript = join(mkdtempSync(join(tmpdir(), 'bench-')), 'fetch.mjs')
  writeFileSync(
    fetchScript,
    `const r = await fetch(process.argv[2], { method: 'POST', headers: { authorization: 'Bearer ${TOKEN}', 'content-type': 'application/json' }, body: process.argv[3] })\nawait r.text()\n`
  )
  const registerUrl = `${url}/v26.0/${ID}/register`
  const migrationInputs = { ...backupInputs(), 'skip-if-registered': 'false' }
  const actionMs = await timed(async () => {
    const started = performance.now()
    await runAction({
      'access-token': TOKEN,
      'phone-number-id': ID,
      pin: PIN,
      'graph-api-url': url,
      ...migrationInputs
    })
    return performance.now() - started
  })
  const fetchMs = await timed(() =>
    spawnTimed(process.execPath, [fetchScript, registerUrl, registerBody()])
  )
  const hasCurl = existsSync('/usr/bin/curl')
  const curlMs = hasCurl
    ? await timed(() =>
        spawnTimed('curl', [
          '-sS',
          '-o',
          '/dev/null',
          '-X',
          'POST',
          '-H',
          `Authorization: Bearer ${TOKEN}`,
          '-H',
          'Content-Type: application/json',
          '--data',
          registerBody(),
          registerUrl
        ])
      )
    : undefined
  await sim.stop()
  lines.push(
    '',
    '### Time to outcome (median ms)',
    '',
    '| run | ms | ratio to fetch |',
    '| --- | --- | --- |'
  )
  row(
    'action: full migration (read, register, read)',
    actionMs.toFixed(0),
    (actionMs / fetchMs).toFixed(2)
  )
  row('node script: one fetch POST', fetchMs.toFixed(0), '1.00')
  if (curlMs !== undefined) row('curl: one POST', curlMs.toFixed(0), (curlMs / fetchMs).toFixed(2))
  results.timeToOutcome = { actionMs, fetchMs, curlMs, ratio: actionMs / fetchMs }

  // 3. Slow paths, each next to its floor.
  lines.push(
    '',
    '### Slow paths (median ms)',
    '',
    '| path | ms | floor ms | over the floor |',
    '| --- | --- | --- | --- |'
  )
  const slow: Record<string, { ms: number; floorMs: number; over: number }> = {}
  // Each run is compared with its own floor (the backoff it logged is random), then the median taken.
  const slowPath = async (
    name: string,
    scenario: Scenario,
    floorOf: (run: ActionRun) => number
  ): Promise<void> => {
    await runScenario(scenario)
    const samples: { ms: number; floorMs: number }[] = []
    for (let i = 0; i < RUNS; i++) {
      const { run, ms } = await runScenario(scenario)
      samples.push({ ms, floorMs: floorOf(run) + actionMs })
    }
    const ms = median(samples.map(s => s.ms))
    const floorMs = median(samples.map(s => s.floorMs))
    const over = median(samples.map(s => (s.ms - s.floorMs) / s.floorMs))
    slow[name] = { ms, floorMs, over }
    row(name, ms.toFixed(0), floorMs.toFixed(0), `${(over * 100).toFixed(1)} %`)
  }
  const loggedWait = (run: ActionRun): number => {
    const match = /in ([0-9.]+) s/.exec(run.stdout)
    return match ? Number(match[1]) * 1000 : 0
  }
  // A 503 without Meta's error may come from a gateway in front of a working backend: the action
  // reads the number for the settle window (2 s here) before the retry's wait.
  const settled = { ...SCENARIOS[6], inputs: { ...SCENARIOS[6].inputs, 'settle-seconds': '2' } }
  await slowPath('one transient 503, then success', settled, run => 2000 + loggedWait(run))
  await slowPath(
    'Retry-After: 2, then success',
    {
      ...settled,
      faults: {
        register: [{ kind: 'respond', status: 503, body: 'busy', headers: { 'retry-after': '2' } }]
      }
    },
    () => 2000 + 2000
  )
  await slowPath('register hangs until the timeout, number registered', SCENARIOS[7], () => 1000)
  results.slowPaths = slow
  lines.push(
    '',
    'Floors: the settle window (2 s) plus the logged backoff or the Retry-After, or timeout-seconds (1 s), each plus the instant full migration above.'
  )

  // 4. Start-up: a validation error (no network), next to node itself and reference bundles.
  const references = join(ROOT, '.build', 'bench-references')
  for (const name of ['reference-core', 'reference-undici']) {
    execFileSync(
      process.execPath,
      [
        join(ROOT, 'node_modules/@vercel/ncc/dist/ncc/cli.js'),
        'build',
        join(ROOT, 'bench', `${name}.ts`),
        '-o',
        join(references, name),
        '-q'
      ],
      { stdio: 'ignore' }
    )
  }
  const startups: [string, string[]][] = [
    ['node -e 0', ['-e', '0']],
    ['bundle of undici alone', [join(references, 'reference-undici', 'index.js')]],
    ['bundle of @actions/core alone', [join(references, 'reference-core', 'index.js')]],
    ['dist/index.js, validation error', [ACTION_ENTRY]]
  ]
  lines.push(
    '',
    '### Start-up (median ms, peak RSS)',
    '',
    '| process | ms | peak RSS MiB |',
    '| --- | --- | --- |'
  )
  const startup: Record<string, { ms: number; rssMiB?: number }> = {}
  for (const [name, args] of startups) {
    // Start-ups are short and noisy: three times the runs.
    const ms = await timed(() => spawnTimed(process.execPath, args), RUNS * 3)
    const rss = peakRssKiB(process.execPath, args)
    startup[name] = { ms, ...(rss !== undefined && { rssMiB: rss / 1024 }) }
    row(name, ms.toFixed(1), rss === undefined ? 'n/a' : (rss / 1024).toFixed(1))
  }
  const ours =
    startup['dist/index.js, validation error'].ms - startup['bundle of @actions/core alone'].ms
  lines.push('', `Our own code on top of @actions/core: ${ours.toFixed(1)} ms.`)
  results.startup = { ...startup, oursOverCoreMs: ours }

  // 5. Bundle.
  lines.push('', '### Bundle', '', '| file | KiB |', '| --- | --- |')
  const bundle: Record<string, number> = {}
  const bundles = readdirSync(join(ROOT, 'dist'), { recursive: true })
    .map(String)
    .filter(file => file.endsWith('.js'))
    .sort()
  for (const file of bundles) {
    const kib = statSync(join(ROOT, 'dist', file)).size / 1024
    bundle[file] = kib
    row(`dist/${file}`, kib.toFixed(1))
  }
  const coreKiB = statSync(join(references, 'reference-core', 'index.js')).size / 1024
  row('(reference: bundle of @actions/core alone)', coreKiB.toFixed(1))
  results.bundle = { ...bundle, referenceCoreKiB: coreKiB }

  // 6. Large backups given through backup-file: peak memory of the whole run, and the cost of
  // setting up redaction for them (the part that grows with the backup).
  lines.push(
    '',
    '### Large backups (backup-file, migration registered)',
    '',
    '| backup | run ms | peak RSS MiB | redaction set-up ms |',
    '| --- | --- | --- | --- |'
  )
  const large: Record<string, { ms: number; rssMiB?: number; redactionSetupMs: number }> = {}
  for (const mebibytes of [4, 8, 20]) {
    const multiLine = mebibytes === 8
    const data = largeBackup(mebibytes, multiLine)
    const label = `${mebibytes} MiB${multiLine ? ', 76-character lines' : ''}`
    const { ms, rssKiB } = await runWithLargeBackup(data)
    const redactionSetupMs = await timed(() => {
      const started = performance.now()
      new Redactor([TOKEN, PIN, BACKUP.password, data])
      return Promise.resolve(performance.now() - started)
    }, 3)
    large[label] = { ms, redactionSetupMs, ...(rssKiB !== undefined && { rssMiB: rssKiB / 1024 }) }
    row(
      label,
      ms.toFixed(0),
      rssKiB === undefined ? 'n/a' : (rssKiB / 1024).toFixed(0),
      redactionSetupMs.toFixed(0)
    )
  }
  results.largeBackups = large

  // 7. The settle path: a gateway answers 504 while the backend is still registering. How long
  // after the number turns registered does the run end?
  const settleRuns: number[] = []
  for (let i = 0; i < Math.max(3, Math.ceil(RUNS / 3)); i++) {
    const slowSim = simulatorFor({
      platformType: 'NOT_APPLICABLE',
      status: 'PENDING',
      pin: null,
      slowRegister: { backendMs: 2000, gatewayMs: 200 }
    })
    const slowUrl = await slowSim.start()
    try {
      const run = await runAction({
        'access-token': TOKEN,
        'phone-number-id': ID,
        pin: PIN,
        'graph-api-url': slowUrl,
        'settle-seconds': '30'
      })
      const ended = Date.now()
      if (run.outputs.result !== 'registered') throw new Error(`settle path: ${run.outputs.result}`)
      const registeredAt = (slowSim.registerCalls(ID)[0]?.receivedAt ?? 0) + 2000
      settleRuns.push(ended - registeredAt)
    } finally {
      await slowSim.stop()
    }
  }
  const settleMs = median(settleRuns)
  lines.push(
    '',
    '### Settle path',
    '',
    `A gateway answers 504 after 0.2 s; the backend registers the number 2 s after the call; settle-seconds 30 (reads every 3 s). From the number turning registered to the run's end: median ${settleMs.toFixed(0)} ms (at most one read interval, 3 s, plus the read and the process exit).`
  )
  results.settlePath = { medianMs: settleMs, samplesMs: settleRuns }

  console.log(lines.join('\n'))
  writeFileSync(join(ROOT, 'bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`)
  console.log('\nWritten to bench/results.json.')
}

await main()
