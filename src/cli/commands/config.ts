/**
 * `ingest config check [--config path] [--json]`: loads the configuration exactly as the
 * service would (file, then environment), prints the effective settings with secrets masked
 * and exits 0; an invalid configuration prints one line per problem and exits 3, a missing
 * file exits 4. Nothing here connects to anything.
 */
import type { Command } from 'commander';
import { stringify as toYaml } from 'yaml';
import { errorMessage, isIngestError } from '../../core/index.js';
import { loadConfig, maskSecrets, systemEnv } from '../../config/index.js';
import { EXIT, exitCodeFor } from '../exit-codes.js';

interface CheckOptions {
  readonly config?: string;
  readonly json?: boolean;
}

function check(opts: CheckOptions): void {
  const out = (s: string): boolean => process.stdout.write(s);
  try {
    const loaded = loadConfig({ path: opts.config, env: systemEnv() });
    const masked = maskSecrets(loaded.config);
    const env = Object.fromEntries(loaded.envOverrides);
    if (opts.json === true) {
      out(JSON.stringify({ ok: true, file: loaded.file ?? null, envOverrides: env, config: masked }) + '\n');
    } else {
      out(`config OK: ${loaded.file ?? 'embedded defaults (no file)'}\n`);
      for (const [path, name] of loaded.envOverrides) out(`  ${path} <- ${name}\n`);
      out(toYaml(masked));
    }
    process.exitCode = EXIT.OK;
  } catch (e) {
    const problems =
      isIngestError(e) && Array.isArray(e.context['problems'])
        ? (e.context['problems'] as string[])
        : [errorMessage(e)];
    const code = exitCodeFor(e);
    if (opts.json === true) {
      out(JSON.stringify({ ok: false, code: isIngestError(e) ? e.code : 'INTERNAL', problems }) + '\n');
    } else {
      for (const p of problems) process.stderr.write(`ingest config: ${p}\n`);
    }
    process.exitCode = code;
  }
}

export function registerConfig(program: Command): void {
  const config = program.command('config').description('Service configuration: validate and show it.');
  config
    .command('check')
    .description(
      'Validate the configuration (file + environment) and print the effective settings, secrets masked.',
    )
    .option('--config <path>', 'config file (YAML or JSON); default INGEST_CONFIG, else embedded defaults')
    .option('--json', 'machine-readable output')
    .action((opts: CheckOptions) => {
      check(opts);
    });
}
