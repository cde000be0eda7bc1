import { describe, expect, it } from 'vitest';
import { ConfigError, IngestError } from '../../src/core/index.js';
import { EXIT } from '../../src/cli/exit-codes.js';
import { STARTUP_FAILURES, describeStartupFailure } from '../../src/cli/startup-errors.js';

const ctx = {
  httpHost: '0.0.0.0',
  httpPort: 9464,
  simulatorPort: 8787,
  spoolDir: '/var/lib/ingest/spool',
  redisUrl: 'redis://redis:6379',
};

function listenError(code: string, port: number): Error {
  return Object.assign(new Error(`listen ${code}: 0.0.0.0:${port}`), {
    code,
    syscall: 'listen',
    address: '0.0.0.0',
    port,
  });
}

describe('describeStartupFailure', () => {
  it('a port in use names the setting of that port', () => {
    expect(describeStartupFailure(listenError('EADDRINUSE', 9464), ctx)).toEqual({
      line: 'port 9464 is in use (another instance?); set INGEST_HTTP_PORT',
      exitCode: EXIT.CONFLICT,
      kind: 'port in use',
    });
    expect(describeStartupFailure(listenError('EADDRINUSE', 8787), ctx).line).toBe(
      'port 8787 is in use (another instance?); set INGEST_SIM_PORT',
    );
  });

  it('a port it may not bind is invalid configuration', () => {
    const f = describeStartupFailure(listenError('EACCES', 80), ctx);
    expect(f.exitCode).toBe(EXIT.INVALID);
    expect(f.line).toBe(
      'cannot listen on 0.0.0.0:80 (permission denied); set INGEST_HTTP_HOST or INGEST_HTTP_PORT',
    );
  });

  it("a spool held by a live instance, by today's message or a dedicated code", () => {
    const byMessage = new ConfigError(
      'CONFIG_INVALID',
      'spool /var/lib/ingest/spool/signals is in use by process 42',
    );
    const f = describeStartupFailure(byMessage, ctx);
    expect(f).toMatchObject({ exitCode: EXIT.CONFLICT, kind: 'spool held by a live instance' });
    expect(f.line).toContain('set INGEST_SPOOL_DIR');
    const byCode = new IngestError('SPOOL_LOCKED' as never, 'locked');
    expect(describeStartupFailure(byCode, ctx).kind).toBe('spool held by a live instance');
  });

  it('a spool directory it cannot write names the directory and the setting', () => {
    const e = Object.assign(new Error("EACCES: permission denied, mkdir '/var/lib/ingest/spool/signals'"), {
      code: 'EACCES',
      syscall: 'mkdir',
      path: '/var/lib/ingest/spool/signals',
    });
    const f = describeStartupFailure(e, ctx);
    expect(f.exitCode).toBe(EXIT.INVALID);
    expect(f.line).toMatch(
      /^spool directory \/var\/lib\/ingest\/spool is not usable .*set INGEST_SPOOL_DIR$/,
    );
  });

  it('Redis unreachable is exit 5 with the settings that fix it', () => {
    const e = new IngestError(
      'REDIS_UNAVAILABLE',
      'Redis at redis://redis:6379 is unreachable: ECONNREFUSED',
    );
    const f = describeStartupFailure(e, ctx);
    expect(f.exitCode).toBe(EXIT.UNAVAILABLE);
    expect(f.line).toContain('set INGEST_REDIS_URL, or INGEST_CURSOR_STORE=memory');
  });

  it('anything else is still one line, with the generic exit code', () => {
    const f = describeStartupFailure(new Error('boom\n  at somewhere'), ctx);
    expect(f).toEqual({ line: 'start-up failed: boom at somewhere', exitCode: EXIT.FAILURE, kind: 'other' });
  });

  it('the table lists each failure once', () => {
    const kinds = STARTUP_FAILURES.map((r) => r.kind);
    expect(new Set(kinds).size).toBe(kinds.length);
    expect(kinds.length).toBeGreaterThan(5);
  });
});
