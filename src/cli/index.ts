#!/usr/bin/env node
import { main } from './main.js'

// Colour only on a terminal and never when NO_COLOR is set; everything else goes through main().
process.exitCode = await main(
  process.argv.slice(2),
  process.env,
  {
    stdout: text => void process.stdout.write(text),
    stderr: text => void process.stderr.write(text),
    colour: process.stdout.isTTY === true && !process.env.NO_COLOR
  },
  process.cwd()
)
