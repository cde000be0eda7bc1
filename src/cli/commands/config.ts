/** `ingest config`: not built yet. It says so and exits 7 rather than pretending. */
import type { Command } from 'commander';
import { EXIT } from '../exit-codes.js';

export function registerConfig(program: Command): void {
  program
    .command('config')
    .description('(config: not available yet)')
    .allowUnknownOption(true)
    .allowExcessArguments(true)
    .action(() => {
      process.stderr.write('ingest config: not available yet in this build\n');
      process.exitCode = EXIT.NOT_IMPLEMENTED;
    });
}
