import { describe, expect, it } from '@jest/globals'
import { existsSync, readFileSync } from 'node:fs'
import { KNOWN_ERRORS } from '../src/error-codes.js'
import {
  MAX_README_LINES,
  parseActionMetadata,
  renderDocs,
  renderReadme,
  replaceSection,
  SUB_ACTIONS
} from '../script/readme-sections.js'

const root = new URL('../', import.meta.url)
const actionYml = readFileSync(new URL('action.yml', root), 'utf8')

/** A table cell holding exactly `text`, whatever padding Prettier gave it. */
function cell(text: string): RegExp {
  return new RegExp(`\\|\\s*${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*\\|`)
}

describe('README', () => {
  it('and docs/ are what `npm run docs` generates from action.yml and src/error-codes.ts', async () => {
    for (const doc of await renderDocs(root))
      expect({ path: doc.path, text: doc.current }).toEqual({ path: doc.path, text: doc.rendered })
  })

  it(`is read in five minutes: at most ${MAX_README_LINES} lines`, () => {
    const readme = readFileSync(new URL('README.md', root), 'utf8')
    expect(readme.split('\n').length).toBeLessThanOrEqual(MAX_README_LINES)
  })

  it('links only to files that exist', () => {
    for (const file of [
      'README.md',
      'CONTRIBUTING.md',
      'docs/cli.md',
      'docs/how-it-decides.md',
      'docs/troubleshooting.md',
      'docs/security.md',
      'docs/performance.md',
      'docs/releases.md'
    ]) {
      const text = readFileSync(new URL(file, root), 'utf8')
      for (const [, target] of text.matchAll(/\]\(((?!https?:|#)[^)#\s]+)/g)) {
        expect({
          file,
          target,
          exists: existsSync(new URL(target ?? '', new URL(file, root)))
        }).toEqual({ file, target, exists: true })
      }
    }
  })

  it('documents every input and output of action.yml in its tables', () => {
    const readme = readFileSync(new URL('README.md', root), 'utf8')
    const action = parseActionMetadata(actionYml)
    for (const name of [...Object.keys(action.inputs), ...Object.keys(action.outputs)]) {
      expect(readme).toMatch(cell(`\`${name}\``))
    }
  })

  it('points to a troubleshooting page that lists every error code the action recognises', () => {
    const readme = readFileSync(new URL('README.md', root), 'utf8')
    expect(readme).toContain('(docs/troubleshooting.md)')
    const troubleshooting = readFileSync(new URL('docs/troubleshooting.md', root), 'utf8')
    for (const error of KNOWN_ERRORS) expect(troubleshooting).toMatch(cell(error.label))
  })

  it.each(SUB_ACTIONS)(
    'documents every input and output of %s/action.yml in its own tables',
    dir => {
      const readme = readFileSync(new URL('README.md', root), 'utf8')
      const action = parseActionMetadata(readFileSync(new URL(`${dir}/action.yml`, root), 'utf8'))
      const section = (name: string): string =>
        readme.slice(
          readme.indexOf(`<!-- ${dir} ${name}:start -->`),
          readme.indexOf(`<!-- ${dir} ${name}:end -->`)
        )
      for (const name of Object.keys(action.inputs))
        expect(section('inputs')).toMatch(cell(`\`${name}\``))
      for (const name of Object.keys(action.outputs))
        expect(section('outputs')).toMatch(cell(`\`${name}\``))
    }
  )

  it('says plainly what deregistering costs and what set-pin asks of the user', () => {
    const readme = readFileSync(new URL('README.md', root), 'utf8')
    expect(readme).toContain('**Deregistering also turns local storage off**')
    expect(readme).toContain("**Registering again needs the number's two-step")
    expect(readme).toContain('**Store the new PIN before anything else**')
  })

  it('gives the run and test commands from a fresh clone', () => {
    const readme = readFileSync(new URL('README.md', root), 'utf8')
    expect(readme).toContain('npm ci && npm run demo')
    expect(readme).toContain('npm ci && npm test')
  })
})

describe('generated sections', () => {
  it('notice a drifted input description', () => {
    const readme = readFileSync(new URL('README.md', root), 'utf8')
    const drifted = actionYml.replace(
      'Extra register attempts (0 to 10)',
      'Extra register attempts (0 to 99)'
    )
    expect(drifted).not.toBe(actionYml)
    expect(renderReadme(readme, drifted)).toContain('Extra register attempts (0 to 99)')
  })

  it("notice a drifted sub-action's description", () => {
    const readme = readFileSync(new URL('README.md', root), 'utf8')
    const deregister = readFileSync(new URL('deregister/action.yml', root), 'utf8')
    const drifted = deregister.replace('How many deregister calls', 'How many deregister attempts')
    expect(drifted).not.toBe(deregister)
    expect(renderReadme(readme, actionYml, { deregister: drifted })).toContain(
      'How many deregister attempts were made.'
    )
  })

  it('refuse an input that no README group lists', () => {
    const extra = `${actionYml.replace('inputs:\n', 'inputs:\n  brand-new:\n    description: New.\n')}`
    expect(() => renderReadme('<!-- inputs:start --><!-- inputs:end -->', extra)).toThrow(
      'brand-new'
    )
  })

  it('replace only the text between the markers', () => {
    const text = 'before\n<!-- x:start -->\nold\n<!-- x:end -->\nafter'
    expect(replaceSection(text, 'x', 'new')).toBe(
      'before\n<!-- x:start -->\n\nnew\n\n<!-- x:end -->\nafter'
    )
    expect(() => replaceSection('no markers', 'x', 'new')).toThrow('<!-- x:start -->')
  })
})
