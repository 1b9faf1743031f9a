// Fails the build when ncc could not resolve a module: it leaves an `@@notfound` shim that only
// breaks at run time, on the runner. Every entry's bundle is checked: the register action's and
// each sub-action's (deregister, set-pin) and the CLI's, and each must exist.
import { readFileSync } from 'node:fs'

export const BUNDLES = [
  'dist/index.js',
  'dist/deregister/index.js',
  'dist/set-pin/index.js',
  'dist/cli/index.js'
]

let failed = false
for (const path of BUNDLES) {
  let bundle
  try {
    bundle = readFileSync(new URL(`../${path}`, import.meta.url), 'utf8')
  } catch {
    console.error(`${path} is missing: run \`npm run bundle\`.`)
    failed = true
    continue
  }
  if (bundle.includes('@@notfound')) {
    console.error(`${path} contains an unresolved module (@@notfound): fix the import.`)
    failed = true
  }
}
if (failed) process.exit(1)
