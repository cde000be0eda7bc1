import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Logger } from '../../src/core/index.js';
import { REDACTED, createLogger } from '../../src/obs/index.js';

function capture(): { lines: Record<string, unknown>[]; stream: Writable } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString('utf8').split('\n'))
        if (l.trim() !== '') lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { lines, stream };
}

describe('createLogger', () => {
  it('writes JSON lines with a word level, ISO time and the service name', () => {
    const { lines, stream } = capture();
    const logger = createLogger({ destination: stream, base: { instance: 'ingest-0' } });
    logger.info({ influencer: 'alice' }, 'hello');
    expect(lines).toHaveLength(1);
    const line = lines[0] as Record<string, unknown>;
    expect(line).toMatchObject({
      level: 'info',
      name: 'hl-influencer-ingest',
      instance: 'ingest-0',
      influencer: 'alice',
      msg: 'hello',
    });
    expect(String(line['time'])).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('masks credentials in URL fields (proxy URLs, sink descriptions)', () => {
    const { lines, stream } = capture();
    const logger = createLogger({ destination: stream });
    logger.info(
      {
        proxyUrl: 'http://user:pw-123@proxy:3128',
        sinks: 'raw events -> clickhouse http://d:pw-456@ch:8123/ db x',
      },
      'sinks ready',
    );
    const text = JSON.stringify(lines[0]);
    expect(text).toContain('sinks ready');
    expect(text).toContain('http://user:***@proxy:3128');
    expect(text).not.toMatch(/pw-123|pw-456/);
  });

  it('redacts passwords, SASL secrets and authorization headers wherever config puts them', () => {
    const { lines, stream } = capture();
    const logger = createLogger({ destination: stream });
    logger.info({
      password: 'p0',
      redis: { password: 'p1' },
      config: { kafka: { sasl: { password: 'p2', username: 'svc' } } },
      sasl: { password: 'p3' },
      req: { headers: { authorization: 'Bearer abc', host: 'x' } },
      authorization: 'Basic xyz',
    });
    const text = JSON.stringify(lines);
    for (const secret of ['p0', 'p1', 'p2', 'p3', 'Bearer abc', 'Basic xyz'])
      expect(text).not.toContain(secret);
    expect(text).toContain(REDACTED);
    expect(text).toContain('"username":"svc"');
    expect(text).toContain('"host":"x"');
  });

  it('serialises errors under err, binds child fields, and honours runtime level changes', () => {
    const { lines, stream } = capture();
    const root = createLogger({ destination: stream, level: 'info' });
    // The pino logger satisfies the core Logger port the components take.
    const port: Logger = root;
    const child = port.child({ component: 'sink.kafka', listener: 'alice/primary' });
    child.debug('hidden');
    child.error({ err: new Error('boom') }, 'publish failed');
    root.level = 'debug';
    child.debug('visible');
    expect(lines.map((l) => l['msg'])).toEqual(['publish failed', 'visible']);
    expect(lines[0]).toMatchObject({
      component: 'sink.kafka',
      listener: 'alice/primary',
      err: { message: 'boom', type: 'Error' },
    });
  });

  it('pretty: true stays JSON and says why', () => {
    const { lines, stream } = capture();
    createLogger({ destination: stream, pretty: true }).info('after');
    expect(lines.map((l) => l['msg'])).toEqual([
      'log.pretty is set but pino-pretty is not installed; logging JSON lines',
      'after',
    ]);
  });
});
