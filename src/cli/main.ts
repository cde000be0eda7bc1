#!/usr/bin/env node
/**
 * The `ingest` CLI entry point. It only wires subcommands; each lives in commands/ and
 * exports a `register(program)` function. Bad usage exits 2 with a one-line reason;
 * a command that fails exits with the code its error maps to (see exit-codes.ts).
 */
import { Command, CommanderError } from 'commander';
import { errorMessage } from '../core/index.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import { registerRun } from './commands/run.js';
import { registerSim } from './commands/sim.js';
import { registerReplay } from './commands/replay.js';
import { registerInfluencers } from './commands/influencers.js';
import { registerConfig } from './commands/config.js';
import { registerSignals } from './commands/signals.js';
import { registerPipeline } from './commands/pipeline.js';
import { registerConnectors } from './commands/connectors.js';
import { registerBackfill } from './commands/backfill.js';
import { registerReprocess } from './commands/reprocess.js';
import { registerCluster } from './commands/cluster.js';

export function buildProgram(): Command {
  const program = new Command('ingest')
    .description('Hyperliquid influencer ingester: follows traders and publishes position signals.')
    .version('0.1.0')
    .showSuggestionAfterError(true)
    .exitOverride();
  registerRun(program);
  registerSim(program);
  registerReplay(program);
  registerInfluencers(program);
  registerConfig(program);
  registerSignals(program);
  registerPipeline(program);
  registerConnectors(program);
  registerBackfill(program);
  registerReprocess(program);
  registerCluster(program);
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  // Commander writes its own usage errors to stderr; we only decide the exit code.
  program.configureOutput({ outputError: (str, write) => write(str.split('\n')[0] + '\n') });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return process.exitCode === undefined ? EXIT.OK : Number(process.exitCode);
  } catch (e) {
    if (e instanceof CommanderError) {
      if (
        e.code === 'commander.helpDisplayed' ||
        e.code === 'commander.version' ||
        e.code === 'commander.help'
      )
        return EXIT.OK;
      return EXIT.USAGE;
    }
    process.stderr.write(`ingest: ${errorMessage(e)}\n`);
    return exitCodeFor(e);
  }
}

const isEntry =
  process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'));
if (isEntry || process.argv[1]?.endsWith('/ingest')) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`ingest: ${errorMessage(e)}\n`);
      process.exitCode = EXIT.FAILURE;
    },
  );
}
