/**
 * `npm run contracts`: regenerates the published contracts in contracts/ from their code
 * sources, so they can never drift (unit tests compare the committed files with fresh
 * renders): the Signal JSON Schema (src/positions/signal.ts) and the pipeline contracts
 * (envelope schema, payload layouts, golden vectors, connectors lock) and the aggregation
 * contracts (FeatureSchema, window-key and feature-vector golden vectors) and the bronze-topic
 * contract of distributed mode (record schema, golden vectors). It refuses to write a
 * payload layout or connector lock that breaks the versioning rules against the committed one.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SIGNAL_SCHEMA_FILE, signalJsonSchemaText } from '../src/positions/index.js';
import {
  layoutBreaks,
  PAYLOAD_LAYOUTS,
  PAYLOAD_TYPES,
  PIPELINE_CONTRACT_FILES,
  renderPipelineContracts,
} from '../src/pipeline/envelope/index.js';
import type { PayloadLayout } from '../src/pipeline/envelope/index.js';
import {
  CONNECTORS_LOCK_FILE,
  ConnectorRegistry,
  lockBreaks,
  lockOf,
  renderConnectorsLock,
} from '../src/pipeline/connectors/index.js';
import type { LockedConnector } from '../src/pipeline/connectors/index.js';
import { renderAggregationContracts } from '../src/pipeline/aggregation/index.js';
import { renderBronzeContracts } from '../src/distributed/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const committed = <T>(file: string, fallback: T): T =>
  existsSync(resolve(root, file)) ? (JSON.parse(readFileSync(resolve(root, file), 'utf8')) as T) : fallback;

const manifests = ConnectorRegistry.load(resolve(root, 'connectors')).valid.map((e) => e.manifest);
const problems = [
  ...layoutBreaks(
    committed<{ layouts: PayloadLayout[] }>(PIPELINE_CONTRACT_FILES.layouts, { layouts: [] }).layouts,
    PAYLOAD_TYPES.map((t) => PAYLOAD_LAYOUTS[t]),
  ),
  ...lockBreaks(
    committed<{ connectors: LockedConnector[] }>(CONNECTORS_LOCK_FILE, { connectors: [] }).connectors,
    lockOf(manifests),
  ),
];
if (problems.length > 0) {
  process.stderr.write(
    `versioning rules broken; nothing written:\n${problems.map((p) => `  ${p}\n`).join('')}`,
  );
  process.exit(3);
}

const outputs: ReadonlyArray<readonly [string, string]> = [
  [SIGNAL_SCHEMA_FILE, signalJsonSchemaText()],
  ...renderPipelineContracts(),
  ...renderAggregationContracts(),
  ...renderBronzeContracts(),
  [CONNECTORS_LOCK_FILE, renderConnectorsLock(manifests)],
];

for (const [file, text] of outputs) {
  mkdirSync(dirname(resolve(root, file)), { recursive: true });
  writeFileSync(resolve(root, file), text);
  process.stdout.write(`wrote ${file}\n`);
}
