import { execFileSync, spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, it, expect, jest, beforeAll, afterEach } from '@jest/globals'
import * as core from '@actions/core'
import { summary } from '@actions/core'
import { decode, masker, renderLog, renderSummary, width } from '../script/demo-render.js'
import { DEMO_SECRETS } from '../script/demo.js'
import { LEAK_SWEEP_FILE_VARIABLE } from './e2e/leaks.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

afterEach(() => {
  summary.emptyBuffer()
  jest.restoreAllMocks()
})

/** What @actions/core writes to stdout while `act` runs. */
function coreStdout(act: () => void): string {
  let written = ''
  jest.spyOn(process.stdout, 'write').mockImplementation(chunk => {
    written += String(chunk)
    return true
  })
  act()
  jest.restoreAllMocks()
  return written
}

describe('renderSummary', () => {
  it('turns what core.summary writes into underlined headings, aligned columns, code and bullets', () => {
    summary
      .emptyBuffer()
      .addHeading('Registration &amp; checks', 2)
      .addTable([
        [
          { data: 'Item', header: true },
          { data: 'Value', header: true }
        ],
        ['Result', '✅ registered'],
        ['Platform after', 'CLOUD_API (CONNECTED)'],
        ['❌ emoji', '&#60;b&#62;']
      ])
      .addHeading('What went wrong', 3)
      .addCodeBlock('line one &#60;b&#62;\n  indented &amp;amp; kept')
      .addList(['first &#38; only', 'second'])

    expect(renderSummary(summary.stringify())).toBe(
      [
        'Registration & checks',
        '=====================',
        '',
        'Item            Value',
        '--------------  ---------------------',
        'Result          ✅ registered',
        'Platform after  CLOUD_API (CONNECTED)',
        '❌ emoji        <b>',
        '',
        'What went wrong',
        '---------------',
        '',
        '    line one <b>',
        '      indented &amp; kept',
        '',
        '  • first & only',
        '  • second'
      ].join('\n')
    )
  })

  it('counts an emoji as two columns and a variation selector as none', () => {
    expect(width('✅ ok')).toBe(5)
    expect(width('⚠️')).toBe(1)
    expect(width('CLOUD_API')).toBe(9)
  })

  it('decodes each entity once, numeric and named (nbsp as a space), and leaves unknown ones alone', () => {
    expect(decode('&amp;lt; &#60; &#x3C; &quot;x&quot; &nbsp;&bogus;')).toBe(
      '&lt; < < "x"  &bogus;'
    )
  })
})

describe('renderLog', () => {
  const SECRET = 'Qz8vK2mW7pLx'
  const LINES = ['first-line-Hn4R', 'second-line-Tc9J']

  it('labels workflow commands, undoes their escaping and shows every mask as ***', () => {
    const stdout = coreStdout(() => {
      core.setSecret(SECRET)
      core.setSecret(LINES.join('\n'))
      core.info(`plain line with ${SECRET}`)
      core.debug('two\nlines at 100%0A done')
      core.warning('careful')
      core.error(`bad: ${LINES[1]}`, { title: 'Register: failed' })
      core.startGroup('Group')
      core.endGroup()
    })
    expect(stdout).toContain(`::add-mask::${SECRET}`)

    const text = renderLog(stdout)
    expect(text).toBe(
      [
        '[mask] ***',
        '[mask] ***',
        'plain line with ***',
        '[debug] two',
        '        lines at 100%0A done',
        '[warning] careful',
        '[error] Register: failed: bad: ***',
        '[group] Group'
      ].join('\n')
    )
    for (const value of [SECRET, ...LINES]) expect(text).not.toContain(value)
  })

  it('masks a value that contains another one whole', () => {
    const mask = masker('::add-mask::pw-Rt5\n::add-mask::pw-Rt5-extended\n')
    expect(mask('a pw-Rt5-extended b pw-Rt5 c')).toBe('a *** b *** c')
  })
})

describe('npm run demo', () => {
  beforeAll(() => {
    execFileSync('npm', ['run', '-s', 'build:tools'], { cwd: ROOT, stdio: 'pipe' })
  }, 60_000)

  it('runs the three steps against the simulator, as expected, and shows no secret', () => {
    // Not jest's NODE_OPTIONS, and not the leak-sweep file: the demo's runs are not this suite's.
    const env = { ...process.env }
    delete env.NODE_OPTIONS
    delete env[LEAK_SWEEP_FILE_VARIABLE]
    const demo = spawnSync(process.execPath, ['.build/script/demo.js'], {
      cwd: ROOT,
      env,
      encoding: 'utf8',
      timeout: 30_000
    })

    expect(demo.stderr).toBe('')
    expect(demo.status).toBe(0)
    const verdicts = demo.stdout.split(/^=+\n Verdict\n=+\n/m)[1]
    expect(verdicts.trim().split('\n')).toEqual([
      'PASS  1. migration  expected registered, exit 0, 1 register call',
      '                    got      registered, exit 0, 1 register call',
      'PASS  2. re-run     expected already-registered, exit 0, 0 register calls',
      '                    got      already-registered, exit 0, 0 register calls',
      'PASS  3. wrong PIN  expected failed, exit 1, 1 register call, error 133005',
      '                    got      failed, exit 1, 1 register call, error 133005',
      '',
      'All 3 outcomes as expected.'
    ])
    expect(demo.stdout).toContain('[mask] ***')
    expect(demo.stdout).not.toMatch(/^::/m)
    expect(demo.stdout).not.toContain('\x1b[')
    for (const secret of DEMO_SECRETS) expect(demo.stdout).not.toContain(secret)
  }, 30_000)
})
