// `npm run docs` rewrites the generated parts of README.md and docs/; `-- --check` only compares.
import { writeFileSync } from 'node:fs'
import { renderDocs } from './readme-sections.js'

const root = new URL('../../', import.meta.url)
const stale = (await renderDocs(root)).filter(doc => doc.rendered !== doc.current)
if (process.argv.includes('--check')) {
  for (const doc of stale) {
    console.error(
      `${doc.path} differs from action.yml or src/error-codes.ts: run \`npm run docs\`.`
    )
  }
  if (stale.length > 0) process.exit(1)
} else {
  for (const doc of stale) {
    writeFileSync(new URL(doc.path, root), doc.rendered)
    console.log(`${doc.path} updated.`)
  }
}
