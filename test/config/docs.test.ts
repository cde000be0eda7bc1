/**
 * The committed config/README.md and config/default.yaml must match what the schema
 * generates. Regenerate with: UPDATE_CONFIG_DOCS=1 npx vitest run --project unit test/config/docs.test.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { format, resolveConfig } from 'prettier';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import {
  ENV_VARS,
  loadConfig,
  parseServiceConfig,
  renderConfigReference,
  renderDefaultYaml,
} from '../../src/config/index.js';

const update = process.env['UPDATE_CONFIG_DOCS'] === '1';

/** Generated text as prettier (the repo's formatter, checked by `npm run lint`) would write it. */
async function formatted(path: string, generated: string): Promise<string> {
  const options = (await resolveConfig(path)) ?? {};
  return format(generated, { ...options, filepath: path });
}

async function current(path: string, generated: string): Promise<[string, string]> {
  const want = await formatted(path, generated);
  if (update) writeFileSync(path, want);
  return [readFileSync(path, 'utf8'), want];
}

describe('generated config documentation', () => {
  it('config/README.md is current', async () => {
    const [have, want] = await current('config/README.md', renderConfigReference());
    expect(have, 'run with UPDATE_CONFIG_DOCS=1 to regenerate').toBe(want);
  });

  it('config/default.yaml is current and parses to exactly the embedded defaults', async () => {
    const [have, want] = await current('config/default.yaml', renderDefaultYaml());
    expect(have, 'run with UPDATE_CONFIG_DOCS=1 to regenerate').toBe(want);
    expect(parseServiceConfig(parseYaml(have))).toEqual(parseServiceConfig({}));
    expect(loadConfig({ path: 'config/default.yaml' }).config).toEqual(parseServiceConfig({}));
  });

  it('documents every env var and every leaf option has a description', () => {
    const md = renderConfigReference();
    for (const v of ENV_VARS) expect(md).toContain(`\`${v.name}\``);
    const rows = md.split('\n').filter((l) => l.startsWith('| `') && l.split('|').length === 6);
    expect(rows.length).toBeGreaterThan(60);
    for (const r of rows) expect(r.split('|')[4]?.trim(), r).not.toBe('');
  });

  it('every env var path is a real option', () => {
    const md = renderConfigReference();
    for (const v of ENV_VARS) expect(md, v.name).toContain(`| \`${v.path}\` |`);
  });

  it('config/production.example.yaml is valid (with its secrets in the env)', () => {
    const { config } = loadConfig({
      path: 'config/production.example.yaml',
      env: { INGEST_KAFKA_SASL_PASSWORD: 'x', INGEST_CLICKHOUSE_PASSWORD: 'y', INGEST_REDIS_PASSWORD: 'z' },
    });
    expect(config.source.kind).toBe('hyperliquid');
    expect(config.influencers.source).toBe('redis');
  });
});
