import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'ingest-config-'));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('ingest config check', () => {
  it('valid config: exit 0, effective settings printed, secrets masked', async () => {
    vi.stubEnv('INGEST_REDIS_PASSWORD', 'topsecret');
    vi.stubEnv('INGEST_HTTP_PORT', '8081');
    const r = await runCli(['config', 'check', '--config', file('ok.yaml', 'log:\n  level: debug\n')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('config OK');
    expect(r.stdout).toContain('http.port <- INGEST_HTTP_PORT');
    expect(r.stdout).toContain('level: debug');
    expect(r.stdout).toContain('password: "***"');
    expect(r.stdout + r.stderr).not.toContain('topsecret');
  });

  it('--json prints the effective config', async () => {
    const r = await runCli(['config', 'check', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { ok: boolean; file: null; config: { source: { kind: string } } };
    expect(j.ok).toBe(true);
    expect(j.file).toBeNull();
    expect(j.config.source.kind).toBe('simulator');
  });

  it('invalid config: one line per problem naming the key, exit 3', async () => {
    const p = file('bad.yaml', 'sinks:\n  kafka:\n    topik: x\nhttp:\n  port: -1\n');
    const r = await runCli(['config', 'check', '--config', p]);
    expect(r.code).toBe(3);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines.some((l) => /^ingest config: sinks\.kafka\.topik: unknown key/.test(l))).toBe(true);
    expect(lines.some((l) => /^ingest config: http\.port: /.test(l))).toBe(true);
    expect(r.stdout).toBe('');
  });

  it('a password in the file is rejected, exit 3', async () => {
    const p = file('pw.yaml', 'redis:\n  password: x\n');
    const r = await runCli(['config', 'check', '--config', p, '--json']);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, code: 'CONFIG_INVALID' });
  });

  it('missing file: exit 4', async () => {
    const r = await runCli(['config', 'check', '--config', join(dir, 'nope.yaml')]);
    expect(r.code).toBe(4);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
