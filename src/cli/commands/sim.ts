/**
 * `ingest sim`: runs the Hyperliquid simulator on loopback for demos and local runs. It prints
 * the WS / info / control URLs and the tracked account addresses, then runs until SIGINT or
 * SIGTERM and closes cleanly.
 */
import type { Command } from 'commander';
import { ConfigError } from '../../core/index.js';
import { startSimulator } from '../../sim/index.js';

interface SimFlags {
  port: string;
  host: string;
  seed: string;
  accounts: string;
  scenario?: string;
  tickMs: string;
  expireAfterMs?: string;
  idleTimeoutMs?: string;
  paused?: boolean;
  json?: boolean;
}

function int(name: string, v: string, min: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min)
    throw new ConfigError('CLI_USAGE', `--${name} must be an integer >= ${min}, got ${JSON.stringify(v)}`);
  return n;
}

/** Resolves on the first SIGINT/SIGTERM. */
function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (sig: string): void => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(sig);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

export function registerSim(program: Command): void {
  program
    .command('sim')
    .description('Run the Hyperliquid simulator (WS + POST /info on loopback) until SIGINT/SIGTERM.')
    .option('--port <n>', 'TCP port (0 = any free port)', '0')
    .option('--host <host>', 'listen address', '127.0.0.1')
    .option('--seed <seed>', 'seed of the random market', '1')
    .option('--accounts <n>', 'number of tracked accounts (addresses derived from the seed)', '3')
    .option('--scenario <file>', 'scenario file (JSON or YAML) instead of random trading')
    .option('--tick-ms <ms>', 'block interval in ms', '1000')
    .option('--expire-after-ms <ms>', 'connection lifetime before the "Expired" close (default 3 h)')
    .option('--idle-timeout-ms <ms>', 'close connections idle this long (default 60000)')
    .option('--paused', 'start with trading paused (drive it with POST /_control/step)')
    .option('--json', 'print the startup summary as one JSON line')
    .action(async (flags: SimFlags) => {
      const seedNum = Number(flags.seed);
      const sim = await startSimulator({
        port: int('port', flags.port, 0),
        host: flags.host,
        seed: Number.isFinite(seedNum) ? seedNum : flags.seed,
        accounts: int('accounts', flags.accounts, 0),
        ...(flags.scenario !== undefined ? { scenario: flags.scenario } : {}),
        tickMs: int('tick-ms', flags.tickMs, 0),
        ...(flags.expireAfterMs !== undefined
          ? { expireAfterMs: int('expire-after-ms', flags.expireAfterMs, 0) }
          : {}),
        ...(flags.idleTimeoutMs !== undefined
          ? { limits: { idleTimeoutMs: int('idle-timeout-ms', flags.idleTimeoutMs, 0) } }
          : {}),
        paused: flags.paused === true,
      });
      const summary = {
        wsUrl: sim.wsUrl,
        infoUrl: sim.infoUrl,
        controlUrl: sim.controlUrl,
        accounts: sim.accounts,
      };
      if (flags.json === true) process.stdout.write(JSON.stringify(summary) + '\n');
      else {
        process.stdout.write(
          [
            `ws:      ${sim.wsUrl}`,
            `info:    ${sim.infoUrl}`,
            `control: ${sim.controlUrl}`,
            'accounts:',
            ...sim.accounts.map((a, i) => `  ${i}: ${a}`),
            'Ctrl-C to stop.',
            '',
          ].join('\n'),
        );
      }
      const sig = await untilSignal();
      await sim.close();
      process.stderr.write(`ingest sim: stopped (${sig})\n`);
    });
}
