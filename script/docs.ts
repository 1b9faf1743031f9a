// `npm run docs` rewrites the README's generated parts; `npm run docs -- --check` only compares.
import { writeFileSync } from 'node:fs'
import { renderReadmeFile } from './readme-sections.js'

const root = new URL('../../', import.meta.url)
const { current, rendered } = await renderReadmeFile(root)
if (process.argv.includes('--check')) {
  if (rendered !== current) {
    console.error(
      'README.md differs from an action.yml, src/error-codes.ts or examples/: run `npm run docs`.'
    )
    process.exit(1)
  }
} else if (rendered !== current) {
  writeFileSync(new URL('README.md', root), rendered)
  console.log('README.md updated.')
}
