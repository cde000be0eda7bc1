import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as core from '../../src/core/index.js';
import { ERROR_CODES, IngestError, RetriesExhaustedError, SourceError } from '../../src/core/index.js';

describe('error hierarchy', () => {
  it('every code has an operator-facing sentence', () => {
    for (const [code, text] of Object.entries(ERROR_CODES)) {
      expect(text.length, code).toBeGreaterThan(10);
    }
  });

  it('keeps code, retriable, context and cause', () => {
    const cause = new Error('boom');
    const e = new SourceError('SOURCE_CONNECTION', 'ws closed', {
      cause,
      retriable: true,
      context: { url: 'x' },
    });
    expect(e).toBeInstanceOf(IngestError);
    expect(e.name).toBe('SourceError');
    expect(e.code).toBe('SOURCE_CONNECTION');
    expect(e.retriable).toBe(true);
    expect(e.cause).toBe(cause);
    expect(e.context).toEqual({ url: 'x' });
    expect(Object.isFrozen(e.context)).toBe(true);
  });

  it('RetriesExhausted names the attempts and the cause', () => {
    const e = new RetriesExhaustedError(3, new Error('down'), 'kafka send');
    expect(e.message).toBe('kafka send: gave up after 3 attempts: down');
    expect(e.retriable).toBe(false);
  });

  it('every error class is exported from the core index', () => {
    const names = Object.keys(core).filter((k) => k.endsWith('Error'));
    expect(names).toEqual(
      expect.arrayContaining(['IngestError', 'ValidationError', 'ConfigError', 'SinkError']),
    );
  });

  it('every code is documented in README.md', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const missing = Object.keys(ERROR_CODES).filter((c) => !readme.includes(`\`${c}\``));
    expect(missing).toEqual([]);
  });

  it('every code is raised somewhere in src/ (no codes kept for errors nobody throws)', () => {
    const srcDir = new URL('../../src/', import.meta.url);
    const files = readdirSync(srcDir, { recursive: true, encoding: 'utf8' }).filter(
      (f) => f.endsWith('.ts') && f !== 'core/errors.ts',
    );
    expect(files.length).toBeGreaterThan(100);
    const text = files.map((f) => readFileSync(new URL(f, srcDir), 'utf8')).join('\n');
    // RetriesExhaustedError raises its code from core/errors.ts itself; core/retry.ts throws it.
    expect(text).toContain('new RetriesExhaustedError(');
    const unused = Object.keys(ERROR_CODES).filter(
      (c) => c !== 'RETRIES_EXHAUSTED' && !text.includes(`'${c}'`),
    );
    expect(unused).toEqual([]);
  });
});
