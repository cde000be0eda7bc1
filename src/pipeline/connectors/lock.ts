/**
 * The connector versioning baseline, contracts/pipeline/connectors.lock.json: each connector's
 * published version and payload types. Rules checked against it (254Carbon versioning): a
 * version never goes down; dropping a payload type (or switching to a new payload version,
 * which drops the old one) needs a major bump. `npm run contracts` refuses to write a lock
 * that breaks them, and a unit test checks the committed registry against the committed lock.
 */
import type { ConnectorManifest } from './manifest.js';
import { semverMajor } from './manifest.js';

export const CONNECTORS_LOCK_FILE = 'contracts/pipeline/connectors.lock.json';

export interface LockedConnector {
  readonly name: string;
  readonly version: string;
  readonly payloadTypes: readonly string[];
}

export function lockOf(manifests: readonly ConnectorManifest[]): LockedConnector[] {
  return [...manifests]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((m) => ({ name: m.name, version: m.version, payloadTypes: [...m.payloadTypes].sort() }));
}

export function renderConnectorsLock(manifests: readonly ConnectorManifest[]): string {
  return `${JSON.stringify({ connectors: lockOf(manifests) }, null, 2)}\n`;
}

export function lockBreaks(
  committed: readonly LockedConnector[],
  current: readonly LockedConnector[],
): string[] {
  const problems: string[] = [];
  const now = new Map(current.map((c) => [c.name, c]));
  for (const old of committed) {
    const c = now.get(old.name);
    if (c === undefined) continue; // a retired connector: its folder is gone, nothing to compare
    if (compareSemver(c.version, old.version) < 0)
      problems.push(`${c.name}: version ${c.version} is lower than published ${old.version}`);
    const dropped = old.payloadTypes.filter((t) => !c.payloadTypes.includes(t));
    if (dropped.length > 0 && semverMajor(c.version) <= semverMajor(old.version)) {
      problems.push(
        `${c.name}: drops ${dropped.join(', ')} without a major version bump (${old.version} → ${c.version})`,
      );
    }
  }
  return problems;
}

function compareSemver(a: string, b: string): number {
  const pa = a.split(/[.-]/).slice(0, 3).map(Number);
  const pb = b.split(/[.-]/).slice(0, 3).map(Number);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}
