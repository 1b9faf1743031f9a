// Start-up reference: a bundle of undici alone (imported by @actions/core 3 for OIDC).
import { Agent } from 'undici'

await new Agent().close()
process.exitCode = 1
