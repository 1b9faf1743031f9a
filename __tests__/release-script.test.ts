// script/release in a throw-away repository with its own `origin`: what it refuses, and that it
// only creates the annotated tag locally (no push, no major tag).
import { describe, expect, it } from '@jest/globals'
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { execFileSync, spawnSync } from 'node:child_process'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const release = path.join(root, 'script/release')

const env = {
  ...process.env,
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
  npm_config_update_notifier: 'false'
}

interface Repo {
  dir: string
  origin: string
  git: (...args: string[]) => string
  write: (file: string, text: string) => void
  commit: (message: string) => void
  release: (...args: string[]) => { status: number | null; stdout: string; stderr: string }
}

const changelog = (heading: string): string =>
  `# Changelog\n\n## ${heading}\n\n### Fixed\n\n- Something.\n\n## [1.1.0] - 2026-01-02\n\n- Before.\n`

/** A clean main, pushed to its origin, ready to be released as v1.2.0. */
function repository(): Repo {
  const base = mkdtempSync(path.join(tmpdir(), 'release-'))
  const origin = path.join(base, 'origin.git')
  const dir = path.join(base, 'work')
  const git = (...args: string[]): string =>
    execFileSync('git', args, { cwd: dir, env, encoding: 'utf8' }).trim()
  execFileSync('git', ['init', '--quiet', '--bare', '--initial-branch=main', origin], { env })
  mkdirSync(dir)
  git('init', '--quiet', '--initial-branch=main')
  git('remote', 'add', 'origin', origin)
  const write = (file: string, text: string): void => {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true })
    writeFileSync(path.join(dir, file), text)
  }
  const commit = (message: string): void => {
    git('add', '--all')
    git('commit', '--quiet', '--message', message)
  }
  mkdirSync(path.join(dir, 'script'))
  copyFileSync(
    path.join(root, 'script/changelog-section.js'),
    path.join(dir, 'script/changelog-section.js')
  )
  // A stand-in bundler: dist/index.js is src/index.js behind a banner.
  write(
    'package.json',
    `${JSON.stringify({ name: 't', version: '1.2.0', type: 'module', scripts: { bundle: 'node bundle.js' } })}\n`
  )
  write(
    'bundle.js',
    "import fs from 'node:fs'\nfs.mkdirSync('dist', { recursive: true })\nfs.writeFileSync('dist/index.js', '// bundle\\n' + fs.readFileSync('src/index.js', 'utf8'))\n"
  )
  write('src/index.js', 'console.log(1)\n')
  write('dist/index.js', '// bundle\nconsole.log(1)\n')
  write('CHANGELOG.md', changelog('[1.2.0] - 2026-03-04'))
  commit('First')
  git('tag', '--annotate', 'v1.1.0', '--message', 'v1.1.0', 'HEAD')
  git('push', '--quiet', 'origin', 'main')
  return {
    dir,
    origin,
    git,
    write,
    commit,
    release: (...args) => {
      const run = spawnSync(release, args, { cwd: dir, env, encoding: 'utf8' })
      return { status: run.status, stdout: run.stdout, stderr: run.stderr }
    }
  }
}

const tags = (repo: Repo): string[] => repo.git('tag', '--list').split('\n').filter(Boolean)
const originTags = (repo: Repo): string =>
  execFileSync('git', ['ls-remote', '--tags', repo.origin], { env, encoding: 'utf8' })

describe('script/release', () => {
  it('creates the annotated tag locally, pushes nothing, and prints what the workflow will do', () => {
    const repo = repository()
    const run = repo.release('v1.2.0')
    expect(run.stderr).toBe('')
    expect(run.status).toBe(0)
    expect(tags(repo)).toEqual(['v1.1.0', 'v1.2.0'])
    expect(repo.git('cat-file', '-t', 'v1.2.0')).toBe('tag')
    expect(repo.git('rev-parse', 'v1.2.0^{commit}')).toBe(repo.git('rev-parse', 'HEAD'))
    expect(originTags(repo)).toBe('')
    expect(run.stdout).toContain('git push origin refs/tags/v1.2.0\n')
    expect(run.stdout).toContain('.github/workflows/release.yml')
    expect(run.stdout).toMatch(/attests the build provenance/)
    expect(run.stdout).toMatch(/moves v1 to [0-9a-f]{40}/)
    expect(run.stdout).not.toContain('--force')
  }, 30_000)

  it.each([
    ['a version not of the form vX.Y.Z', (): string[] => ['1.2.0'], /not a version of the form/],
    ['a version older than the newest release', (): string[] => ['v1.0.9'], /older than v1\.1\.0/]
  ])('refuses %s', (_, args, message) => {
    const repo = repository()
    const run = repo.release(...args())
    expect({ status: run.status, stderr: run.stderr }).toEqual({
      status: 1,
      stderr: expect.stringMatching(message)
    })
    expect(tags(repo)).toEqual(['v1.1.0'])
  })

  it('takes nothing but the version: no --push, no --force', () => {
    const repo = repository()
    for (const args of [[], ['v1.2.0', '--push'], ['--push', 'v1.2.0'], ['--force']]) {
      expect(repo.release(...args).status).toBe(2)
    }
    expect(tags(repo)).toEqual(['v1.1.0'])
  })

  it.each<[string, (repo: Repo) => void, RegExp]>([
    [
      'an undated CHANGELOG section',
      repo => {
        repo.write('CHANGELOG.md', changelog('[1.2.0] - Unreleased'))
        repo.commit('Undated')
        repo.git('push', '--quiet', 'origin', 'main')
      },
      /section for 1\.2\.0 is "## \[1\.2\.0\] - Unreleased", not dated/
    ],
    [
      'a missing CHANGELOG section',
      repo => {
        repo.write('CHANGELOG.md', changelog('[1.1.9] - 2026-03-04'))
        repo.commit('Other')
        repo.git('push', '--quiet', 'origin', 'main')
      },
      /no section "## \[1\.2\.0\] - YYYY-MM-DD"/
    ],
    [
      'another version in package.json',
      repo => {
        repo.write('package.json', '{"version": "1.1.0", "scripts": {"bundle": "true"}}\n')
        repo.commit('Version')
        repo.git('push', '--quiet', 'origin', 'main')
      },
      /package\.json has version 1\.1\.0, not 1\.2\.0/
    ],
    [
      'a dist/ that is not the bundle of src/',
      repo => {
        repo.write('src/index.js', 'console.log(2)\n')
        repo.commit('Source only')
        repo.git('push', '--quiet', 'origin', 'main')
      },
      /dist\/ is not the bundle of src\//
    ],
    ['an untracked file', repo => repo.write('notes.txt', 'x\n'), /working tree is not clean/],
    [
      'a branch other than main',
      repo => repo.git('switch', '--quiet', '--create', 'topic'),
      /on branch topic/
    ],
    [
      'a commit origin does not have',
      repo => {
        repo.write('src/more.js', 'x\n')
        repo.commit('Not pushed')
      },
      /HEAD is not on origin\/main/
    ],
    [
      'a tag origin has already',
      repo => {
        execFileSync('git', ['tag', 'v1.2.0', 'main'], { cwd: repo.origin, env })
      },
      /tag v1\.2\.0 exists already on origin/
    ]
  ])(
    'refuses %s',
    (_, arrange, message) => {
      const repo = repository()
      arrange(repo)
      const before = tags(repo)
      const run = repo.release('v1.2.0')
      expect({ status: run.status, stderr: run.stderr }).toEqual({
        status: 1,
        stderr: expect.stringMatching(message)
      })
      expect(tags(repo)).toEqual(before)
    },
    30_000
  )
})
