/** `ingest influencers`: not built yet. It says so and exits 7 rather than pretending. */
import type { Command } from 'commander';
import { EXIT } from '../exit-codes.js';

export function registerInfluencers(program: Command): void {
  program
    .command('influencers')
    .description('(influencers: not available yet)')
    .allowUnknownOption(true)
    .allowExcessArguments(true)
    .action(() => {
      process.stderr.write('ingest influencers: not available yet in this build\n');
      process.exitCode = EXIT.NOT_IMPLEMENTED;
    });
}
