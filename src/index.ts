import { run } from './main.js'

// run() reports its own failures; this only keeps a bug from printing a stack trace.
await run().catch((error: unknown) => {
  process.exitCode = 1
  console.log(
    `::error::Unexpected failure: ${error instanceof Error ? error.name : 'unknown error'}`
  )
})
// A request abandoned at its deadline may still hold a socket open; the outcome is already
// decided and reported, so the step ends now instead of waiting for the socket to close.
process.exit()
