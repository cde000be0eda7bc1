// An EVM node for tests: the Hardhat network (Hardhat 2.29 runs on Node 20; 3 needs Node 22) on
// 127.0.0.1, from the project's own devDependency. Hardhat refuses a non-local installation, so the
// service dir gets a node_modules link to the project's. Ready when eth_chainId answers.
import { existsSync } from 'node:fs';
import { symlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineService, launchIn } from './service.js';
import type { ServiceDef } from './service.js';

const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const HARDHAT_CLI = join(PROJECT_ROOT, 'node_modules', 'hardhat', 'internal', 'cli', 'cli.js');

export function evmService(): ServiceDef {
  return defineService({
    name: 'evm',
    portEnv: { rpc: 'TEST_EVM_PORT' },
    readyTimeoutMs: 60_000,
    async install() {
      if (!existsSync(HARDHAT_CLI)) {
        throw new Error(
          `[test services] evm: ${HARDHAT_CLI} is missing: run 'npm ci' (hardhat@2.29.1 is a devDependency)`,
        );
      }
      return { cli: HARDHAT_CLI };
    },
    async prepare({ dir, ports, installed }) {
      const port = ports['rpc'] ?? 0;
      const config = join(dir, 'hardhat.config.cjs');
      await writeFile(config, 'module.exports = { networks: { hardhat: { chainId: 31337 } } };\n');
      await symlink(join(PROJECT_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
      return {
        endpoint: `http://127.0.0.1:${port}`,
        launch: launchIn(
          dir,
          process.execPath,
          [
            installed['cli'] ?? HARDHAT_CLI,
            'node',
            '--config',
            config,
            '--hostname',
            '127.0.0.1',
            '--port',
            String(port),
          ],
          'hardhat.log',
          { env: { HARDHAT_DISABLE_TELEMETRY_PROMPT: 'true' } },
        ),
      };
    },
    async probe(endpoint) {
      const res = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
        signal: AbortSignal.timeout(2_000),
      });
      const body = (await res.json()) as { result?: unknown };
      if (typeof body.result !== 'string') throw new Error(`eth_chainId answered ${JSON.stringify(body)}`);
    },
    hint(log) {
      if (/HH12|non-local installation/i.test(log))
        return `hardhat refused to run: the service dir's node_modules link must point at the project's node_modules`;
      if (/EADDRINUSE/i.test(log)) return `the port is taken: unset TEST_EVM_PORT to get a free one`;
      return undefined;
    },
  });
}
