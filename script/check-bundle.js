// Fails the build when ncc could not resolve a module in any bundle (the action, each sub-action,
// the CLI): it leaves an `@@notfound` shim that only breaks at run time, on the runner.
import { readdirSync, readFileSync } from 'node:fs'

const dist = new URL('../dist/', import.meta.url)
const bundles = readdirSync(dist, { recursive: true })
  .map(String)
  .filter(path => path === 'index.js' || path.endsWith('/index.js'))
let broken = 0
for (const path of bundles) {
  if (readFileSync(new URL(path, dist), 'utf8').includes('@@notfound')) {
    console.error(`dist/${path} contains an unresolved module (@@notfound): fix the import.`)
    broken++
  }
}
if (bundles.length === 0) console.error('No bundle found in dist/.')
process.exit(broken > 0 || bundles.length === 0 ? 1 : 0)
