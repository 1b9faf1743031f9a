// `npm run docs` rewrites the README's generated tables; `npm run docs -- --check` only compares.
import { readFileSync, writeFileSync } from 'node:fs'
import { renderReadme } from './readme-sections.js'

const root = new URL('../../', import.meta.url)
const readmePath = new URL('README.md', root)
const readme = readFileSync(readmePath, 'utf8')
const rendered = renderReadme(readme, readFileSync(new URL('action.yml', root), 'utf8'))
if (process.argv.includes('--check')) {
  if (rendered !== readme) {
    console.error('README.md tables differ from action.yml or src/error-codes.ts: run `npm run docs`.')
    process.exit(1)
  }
} else if (rendered !== readme) {
  writeFileSync(readmePath, rendered)
  console.log('README.md tables updated.')
}
