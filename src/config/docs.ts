/**
 * Generates the option reference (config/README.md) and the fully commented default file
 * (config/default.yaml) from the schema's own descriptions and defaults, so documentation
 * cannot drift: test/config/docs.test.ts fails when the committed files are stale.
 */
import { z } from 'zod';
import type { EnvKind } from './env.js';
import { acceptsFile, ENV_VARS } from './env.js';

const KIND_TEXT: Record<EnvKind, string> = {
  string: 'string',
  int: 'int',
  bool: 'bool',
  list: 'comma-separated list',
  secret: 'secret',
  pools: 'pool list (see below)',
};
import { SECRET_PATHS } from './secrets.js';
import { ServiceConfigInput } from './schema.js';

interface JsonNode {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  format?: string;
  properties?: Record<string, JsonNode>;
  required?: string[];
  items?: JsonNode;
  anyOf?: JsonNode[];
}

function rootNode(): JsonNode {
  return z.toJSONSchema(ServiceConfigInput, { io: 'input', unrepresentable: 'any' }) as JsonNode;
}

function typeOf(n: JsonNode): string {
  if (n.enum) return n.enum.map((e) => String(e)).join(' \\| ');
  if (n.anyOf) return [...new Set(n.anyOf.map(typeOf))].join(' \\| ');
  if (n.type === 'array') return `list of ${n.items ? typeOf(n.items) : 'any'}`;
  if (n.type === 'string' && n.format === 'uri') return 'url';
  if (n.type === 'string' && (n.format === 'ipv4' || n.format === 'ipv6')) return 'ip';
  if (n.properties) return 'object';
  return Array.isArray(n.type) ? n.type.join(' \\| ') : (n.type ?? 'any');
}

interface Row {
  path: string;
  node: JsonNode;
}

function rows(n: JsonNode, prefix: string, out: Row[]): Row[] {
  for (const [k, child] of Object.entries(n.properties ?? {})) {
    const path = prefix === '' ? k : `${prefix}.${k}`;
    out.push({ path, node: child });
    if (child.properties) rows(child, path, out);
    if (child.type === 'array' && child.items?.properties) rows(child.items, `${path}[]`, out);
  }
  return out;
}

function defaultText(r: Row): string {
  if (SECRET_PATHS.includes(r.path)) return '(secret, env only)';
  if (r.node.properties && r.node.default !== undefined) return '(section)';
  if (r.node.default === undefined) return '(unset)';
  return `\`${JSON.stringify(r.node.default)}\``;
}

const esc = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderConfigReference(): string {
  const all = rows(rootNode(), '', []);
  const lines = [
    '<!-- Generated from src/config/schema*.ts by test/config/docs.test.ts (UPDATE_CONFIG_DOCS=1). Do not edit. -->',
    '# Service configuration',
    '',
    'One strict schema (`src/config/schema.ts`). Unknown keys are errors naming the key and the allowed keys.',
    'Sources, later wins: embedded defaults, then the file given by `--config` (or `INGEST_CONFIG`), then the',
    'environment variables below. With no file and no variables the service runs on the embedded default:',
    'the simulator, influencers from the simulator, local NDJSON sinks (`npm start`).',
    'Secrets (passwords) come only from the environment, as `NAME` or `NAME_FILE`; a password in a file is',
    'rejected. Check a configuration with `ingest config check [--config path] [--json]` (exit 3 invalid, 4 no file).',
    '',
    '## Options',
    '',
    '| key | type | default | description |',
    '| --- | --- | --- | --- |',
    ...all.map(
      (r) =>
        `| \`${r.path}\` | ${typeOf(r.node)} | ${esc(defaultText(r))} | ${esc(r.node.description ?? '')} |`,
    ),
    '',
    '## Environment variables',
    '',
    '| variable | sets | kind |',
    '| --- | --- | --- |',
    '| `INGEST_CONFIG` | the config file path (`--config` wins) | path |',
    ...ENV_VARS.map(
      (v) =>
        `| \`${v.name}\`${acceptsFile(v.kind) ? ` / \`${v.name}_FILE\`` : ''} | \`${v.path}\` | ${KIND_TEXT[v.kind]} |`,
    ),
    '',
    'A pool list is `name=target` entries separated by commas or newlines; target is a proxy URL',
    "(http, https, socks), `local:<ip>` or `direct`. It replaces the file's `hyperliquid.egressPools`;",
    'the `limits` of a file pool with the same name are kept. Use the `_FILE` form: proxy URLs carry',
    'credentials.',
    '',
  ];
  return lines.join('\n');
}

function yamlValue(v: unknown): string {
  return JSON.stringify(v);
}

function renderYaml(n: JsonNode, indent: string, commented: boolean, prefix: string, out: string[]): void {
  for (const [k, child] of Object.entries(n.properties ?? {})) {
    const path = prefix === '' ? k : `${prefix}.${k}`;
    const hash = commented ? '# ' : '';
    if (child.description) out.push(`${indent}# ${child.description}`);
    if (SECRET_PATHS.includes(path)) {
      out.push(`${indent}# ${k}: (secret: environment only)`);
    } else if (child.properties) {
      const off = commented || child.default === undefined;
      out.push(`${indent}${off ? '# ' : ''}${k}:`);
      renderYaml(child, `${indent}  `, off, path, out);
    } else if (child.default === undefined) {
      out.push(`${indent}# ${k}:`);
    } else {
      out.push(`${indent}${hash}${k}: ${yamlValue(child.default)}`);
    }
  }
}

export function renderDefaultYaml(): string {
  const out = [
    '# Generated from src/config/schema*.ts by test/config/docs.test.ts (UPDATE_CONFIG_DOCS=1). Do not edit.',
    '# Every option with its default; parsing this file gives exactly the embedded defaults.',
    '# Commented keys have no default (unset). See config/README.md for the environment variables.',
  ];
  renderYaml(rootNode(), '', false, '', out);
  return out.join('\n') + '\n';
}
