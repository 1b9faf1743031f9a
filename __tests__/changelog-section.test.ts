import { describe, expect, it } from '@jest/globals'
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { changelogSection } from '../script/changelog-section.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const script = path.join(root, 'script/changelog-section.js')

const changelog = `# Changelog

Some words about the format.

## [Unreleased]

### Added

- Something not released yet.

## [1.2.0] - 2026-03-04

### Added

- A new input.

### Fixed

- A crash.

## [1.1.0] - Unreleased

- Never dated.

## [1.0.0] - 2026-01-02

- The first release.

[1.2.0]: https://github.com/your-org/whatsapp-cloud-api-register/compare/v1.0.0...v1.2.0
[1.0.0]: https://github.com/your-org/whatsapp-cloud-api-register/releases/tag/v1.0.0
`

describe('changelogSection', () => {
  it('returns the section of the version, without its heading, up to the next section', () => {
    expect(changelogSection(changelog, 'v1.2.0')).toEqual({
      version: '1.2.0',
      date: '2026-03-04',
      notes: '### Added\n\n- A new input.\n\n### Fixed\n\n- A crash.\n'
    })
  })

  it('takes the version with or without the v', () => {
    expect(changelogSection(changelog, '1.2.0')).toEqual(changelogSection(changelog, 'v1.2.0'))
  })

  it('leaves out the link definitions after the last section', () => {
    expect(changelogSection(changelog, 'v1.0.0').notes).toBe('- The first release.\n')
  })

  it('reads CRLF files', () => {
    expect(changelogSection(changelog.replace(/\n/g, '\r\n'), 'v1.2.0').notes).toBe(
      changelogSection(changelog, 'v1.2.0').notes
    )
  })

  it('refuses a version with no section', () => {
    expect(() => changelogSection(changelog, 'v1.3.0')).toThrow(
      'CHANGELOG.md has no section "## [1.3.0] - YYYY-MM-DD"'
    )
    // [1.0.0] is not the section of 11.0.0.
    expect(() => changelogSection(changelog, 'v11.0.0')).toThrow('no section')
  })

  it('refuses a section that is not dated, or dated with a day that does not exist', () => {
    expect(() => changelogSection(changelog, 'v1.1.0')).toThrow(
      `CHANGELOG.md's section for 1.1.0 is "## [1.1.0] - Unreleased", not dated`
    )
    expect(() => changelogSection('## [1.0.0]\n\n- x\n', 'v1.0.0')).toThrow('not dated')
    expect(() => changelogSection('## [1.0.0] - 2026-02-30\n\n- x\n', 'v1.0.0')).toThrow(
      'not dated'
    )
    expect(() => changelogSection('## [1.0.0] - 26-01-02\n\n- x\n', 'v1.0.0')).toThrow('not dated')
  })

  it('refuses two sections for one version, and an empty section', () => {
    const doubled = `${changelog}\n## [1.2.0] - 2026-03-05\n\n- Again.\n`
    expect(() => changelogSection(doubled, 'v1.2.0')).toThrow('2 sections for 1.2.0')
    expect(() =>
      changelogSection('## [1.0.0] - 2026-01-02\n\n## [0.9.0] - 2025-12-01\n', '1.0.0')
    ).toThrow('is empty')
  })

  it('refuses a malformed version', () => {
    for (const version of ['1.2', 'v1.2.3.4', 'v01.2.3', 'v1.2.3-rc.1', 'version']) {
      expect(() => changelogSection(changelog, version)).toThrow('is not a version of the form')
    }
  })
})

describe('node script/changelog-section.js', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'changelog-'))
  const file = path.join(dir, 'CHANGELOG.md')
  writeFileSync(file, changelog)

  it('prints the notes and nothing else on stdout', () => {
    const out = execFileSync(process.execPath, [script, 'v1.2.0', file], { encoding: 'utf8' })
    expect(out).toBe(changelogSection(changelog, 'v1.2.0').notes)
  })

  it('exits 1 with the reason on stderr when it refuses, and 2 on bad usage', () => {
    const refused = spawnSync(process.execPath, [script, 'v1.1.0', file], { encoding: 'utf8' })
    expect(refused.status).toBe(1)
    expect(refused.stdout).toBe('')
    expect(refused.stderr).toMatch(/^changelog-section: .*not dated/)
    const usage = spawnSync(process.execPath, [script], { encoding: 'utf8' })
    expect(usage.status).toBe(2)
  })

  it("reads the repository's CHANGELOG.md when given no file", () => {
    const own = readFileSync(path.join(root, 'CHANGELOG.md'), 'utf8')
    const version = /^## \[(\d+\.\d+\.\d+)\]/m.exec(own)?.[1]
    expect(version).toBeDefined()
    const run = spawnSync(process.execPath, [script, `v${version}`], { encoding: 'utf8' })
    let expected: { status: number; stdout: string }
    try {
      expected = { status: 0, stdout: changelogSection(own, `v${version}`).notes }
    } catch {
      expected = { status: 1, stdout: '' }
    }
    expect({ status: run.status, stdout: run.stdout }).toEqual(expected)
  })
})
