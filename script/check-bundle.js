// Fails the build when ncc could not resolve a module: it leaves an `@@notfound` shim that only
// breaks at run time, on the runner.
import { readFileSync } from 'node:fs'

const bundle = readFileSync(new URL('../dist/index.js', import.meta.url), 'utf8')
if (bundle.includes('@@notfound')) {
  console.error('dist/index.js contains an unresolved module (@@notfound): fix the import.')
  process.exit(1)
}
