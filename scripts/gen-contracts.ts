/**
 * `npm run contracts`: regenerates the published JSON Schemas in contracts/ from their zod
 * sources, so the contract can never drift from the code (a unit test compares the committed
 * file with a fresh render). Run it after changing src/positions/signal.ts and commit the result.
 */
import { writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SIGNAL_SCHEMA_FILE, signalJsonSchemaText } from '../src/positions/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const outputs: ReadonlyArray<readonly [string, string]> = [[SIGNAL_SCHEMA_FILE, signalJsonSchemaText()]];

for (const [file, text] of outputs) {
  writeFileSync(resolve(root, file), text);
  process.stdout.write(`wrote ${file}\n`);
}
