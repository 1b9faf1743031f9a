/**
 * Starts the Graph API simulator from the command line, for the demo and for CI jobs that run the
 * action against it. Build with `npm run build:tools`, then `node .build/sim/cli.js --help`.
 */
import { HELP, parseCommandLine } from './config.js'
import { GraphSimulator, type GraphSimulatorOptions } from './graph-simulator.js'

let options: GraphSimulatorOptions | undefined
let sim: GraphSimulator | undefined
try {
  options = parseCommandLine(process.argv.slice(2))
  if (!options) process.stdout.write(HELP)
  // The constructor checks what the config could not, such as headers node cannot send.
  else sim = new GraphSimulator(options)
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${HELP}`)
  process.exitCode = 2
}

if (options && sim) {
  const running = sim
  const url = await running.start()
  // stdout gets only this line, so that a CI step can append it to $GITHUB_ENV as it is.
  process.stdout.write(`GRAPH_API_URL=${url}\n`)
  const numbers = options.numbers.map(n => `${n.id} (${n.platformType}, ${n.status})`).join(', ')
  process.stderr.write(`Graph API simulator on ${url} serving ${numbers}. Stop with Ctrl-C.\n`)
  const shutdown = (): void => {
    running.stop().catch(() => {
      process.exitCode = 1
    })
  }
  process.once('SIGINT', shutdown)
  process.once('SIGTERM', shutdown)
}
