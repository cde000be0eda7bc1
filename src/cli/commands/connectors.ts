/**
 * `ingest connectors list | show <name> | validate`: the connector registry built from
 * connectors/<name>/connector.yaml. `validate` checks every file strictly and exits 3 naming
 * each problem when one is invalid; `show` prints the parsed manifest with defaults applied.
 */
import type { Command } from 'commander';
import { stringify as toYaml } from 'yaml';
import { ConfigError } from '../../core/index.js';
import { ConnectorRegistry } from '../../pipeline/connectors/index.js';
import { pipelineConnectorFactories } from '../../pipeline/runtime/index.js';
import { EXIT } from '../exit-codes.js';

const DIR_HELP = 'connectors directory (default: pipeline.connectorsDir, i.e. ./connectors)';
const out = (s: string): boolean => process.stdout.write(s);

export function registerConnectors(program: Command): void {
  const cmd = program
    .command('connectors')
    .description('The pipeline connector registry (connectors/<name>/connector.yaml)');
  cmd
    .command('list')
    .description('List connectors: name, version, kind, mode, enabled, payload types')
    .option('--dir <dir>', DIR_HELP, 'connectors')
    .option('--json', 'JSON output')
    .action((o: { dir: string; json?: boolean }) => {
      const reg = ConnectorRegistry.load(o.dir);
      const rows = reg.entries.map((e) => ({
        name: e.name,
        version: e.manifest?.version ?? '-',
        kind: e.manifest?.kind ?? '-',
        mode: e.manifest?.mode ?? '-',
        enabled: e.manifest?.enabled ?? false,
        valid: e.problems.length === 0,
        payloadTypes: e.manifest?.payloadTypes ?? [],
      }));
      if (o.json === true) out(JSON.stringify(rows) + '\n');
      else {
        for (const r of rows) {
          out(
            `${r.name.padEnd(28)} ${r.version.padEnd(9)} ${r.kind.padEnd(24)} ${r.mode.padEnd(9)} ${(r.enabled ? 'enabled' : 'disabled').padEnd(8)} ${r.valid ? '' : 'INVALID '}${r.payloadTypes.join(',')}\n`,
          );
        }
      }
    });
  cmd
    .command('show <name>')
    .description('Print one connector manifest with defaults applied')
    .option('--dir <dir>', DIR_HELP, 'connectors')
    .option('--json', 'JSON output')
    .action((name: string, o: { dir: string; json?: boolean }) => {
      const e = ConnectorRegistry.load(o.dir).get(name);
      if (e === undefined) throw new ConfigError('CONFIG_NOT_FOUND', `no connector "${name}" in ${o.dir}`);
      if (e.manifest === undefined) {
        out(`${e.file}: invalid\n${e.problems.map((p) => `  ${p}\n`).join('')}`);
        process.exitCode = EXIT.INVALID;
        return;
      }
      out(o.json === true ? JSON.stringify(e.manifest) + '\n' : `# ${e.file}\n${toYaml(e.manifest)}`);
    });
  cmd
    .command('validate')
    .description('Validate every connector.yaml (schema, name = folder, a known kind); exit 3 on any problem')
    .option('--dir <dir>', DIR_HELP, 'connectors')
    .action((o: { dir: string }) => {
      const reg = ConnectorRegistry.load(o.dir);
      const kinds = pipelineConnectorFactories();
      let bad = 0;
      for (const e of reg.entries) {
        const problems = [...e.problems];
        if (e.manifest !== undefined && kinds[e.manifest.kind] === undefined) {
          out(
            `${e.name}: note: kind "${e.manifest.kind}" has no built-in factory (it runs only where one is registered)\n`,
          );
        }
        if (problems.length === 0) out(`${e.name}: ok (${e.manifest?.version})\n`);
        else {
          bad++;
          out(`${e.name}: INVALID (${e.file})\n${problems.map((p) => `  ${p}\n`).join('')}`);
        }
      }
      if (reg.entries.length === 0) out(`no connector.yaml under ${reg.dir}\n`);
      process.exitCode = bad > 0 ? EXIT.INVALID : EXIT.OK;
    });
}
