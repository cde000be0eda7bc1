/**
 * The connector registry (254Carbon): builds itself from `connectors/<name>/connector.yaml`.
 * Every file is parsed strictly; a broken one is kept as an entry with its problems (so
 * `ingest connectors validate` can list them all) and never runs. The name must equal the
 * folder name, so one name means one folder.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError, errorMessage } from '../../core/index.js';
import { CONNECTOR_MANIFEST_FILE, ConnectorManifest } from './manifest.js';

export interface RegistryEntry {
  readonly name: string;
  readonly dir: string;
  readonly file: string;
  readonly manifest?: ConnectorManifest;
  /** Empty when the manifest is valid. */
  readonly problems: readonly string[];
}

export class ConnectorRegistry {
  private constructor(
    readonly dir: string,
    readonly entries: readonly RegistryEntry[],
  ) {}

  /** Reads every `<dir>/<name>/connector.yaml`. Throws only when `dir` itself is missing. */
  static load(dir: string): ConnectorRegistry {
    const root = resolve(dir);
    if (!existsSync(root) || !statSync(root).isDirectory()) {
      throw new ConfigError('CONFIG_NOT_FOUND', `connectors directory not found: ${root}`);
    }
    const entries = readdirSync(root)
      .filter((d) => existsSync(join(root, d, CONNECTOR_MANIFEST_FILE)))
      .sort()
      .map((d) => loadEntry(join(root, d), d));
    return new ConnectorRegistry(root, entries);
  }

  get(name: string): RegistryEntry | undefined {
    return this.entries.find((e) => e.name === name);
  }

  get valid(): readonly (RegistryEntry & { manifest: ConnectorManifest })[] {
    return this.entries.filter(
      (e): e is RegistryEntry & { manifest: ConnectorManifest } => e.manifest !== undefined,
    );
  }

  get invalid(): readonly RegistryEntry[] {
    return this.entries.filter((e) => e.manifest === undefined);
  }
}

export function parseManifest(
  text: string,
  folder: string,
): { manifest?: ConnectorManifest; problems: string[] } {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    return { problems: [`not valid YAML: ${errorMessage(e)}`] };
  }
  const r = ConnectorManifest.safeParse(doc);
  if (!r.success) {
    return {
      problems: r.error.issues.map((i) => {
        const where = i.path.length > 0 ? i.path.map(String).join('.') : '(root)';
        return i.code === 'unrecognized_keys'
          ? `${where}: unknown key(s) ${i.keys.join(', ')}`
          : `${where}: ${i.message}`;
      }),
    };
  }
  if (r.data.name !== folder)
    return { problems: [`name: "${r.data.name}" must equal its folder name "${folder}"`] };
  return { manifest: r.data, problems: [] };
}

function loadEntry(dir: string, folder: string): RegistryEntry {
  const file = join(dir, CONNECTOR_MANIFEST_FILE);
  const { manifest, problems } = parseManifest(readFileSync(file, 'utf8'), folder);
  return manifest !== undefined
    ? { name: folder, dir, file, manifest, problems }
    : { name: folder, dir, file, problems };
}
