// Errors crossing from the sink thread: rebuilt so what reads them on the main thread still
// works (instanceof and code for our errors, a system error's code/syscall/path for the
// start-up messages, a client's own error code), and log fields reduced to data.
import { describe, expect, it } from 'vitest';
import { describeStartupFailure } from '../../src/cli/startup-errors.js';
import { IngestError, SinkError, TimeoutError } from '../../src/core/index.js';
import { fromPlainError, plainFields, toPlainError } from '../../src/sinks/threaded/plain.js';

/** What arrives on the other side: through structured cloning, as postMessage does. */
const across = (err: unknown): Error => fromPlainError(structuredClone(toPlainError(err)));

const ctx = {
  httpHost: '127.0.0.1',
  httpPort: 8080,
  simulatorPort: null,
  spoolDir: '/var/spool/ingest',
  redisUrl: '',
};

describe('errors across the sink thread', () => {
  it('keeps our own errors: class, code, retriable, context and message', () => {
    const e = across(
      new SinkError('SINK_RECORD_REJECTED', 'topic refuses record 3', {
        retriable: false,
        context: { topic: 't', index: 3 },
      }),
    );
    expect(e).toBeInstanceOf(SinkError);
    expect(e).toMatchObject({
      code: 'SINK_RECORD_REJECTED',
      retriable: false,
      context: { topic: 't', index: 3 },
    });
    expect(e.message).toBe('topic refuses record 3');
    const t = across(new TimeoutError('flush did not finish in 10 ms'));
    expect(t).toBeInstanceOf(TimeoutError);
    expect(t).toMatchObject({ code: 'TIMEOUT', retriable: true });
  });

  it('keeps a spool lock refusal recognisable for the start-up message and exit code', () => {
    const e = across(
      new SinkError(
        'SPOOL_LOCKED',
        'spool /var/spool/ingest/signals is held by another live instance (pid 7)',
      ),
    );
    expect(e).toBeInstanceOf(IngestError);
    expect(describeStartupFailure(e, ctx)).toMatchObject({
      kind: 'spool held by a live instance',
      exitCode: 6,
    });
  });

  it("keeps a system error's code, syscall and path (a spool directory that cannot be written)", () => {
    const sys = Object.assign(new Error("EACCES: permission denied, mkdir '/var/spool/ingest/signals'"), {
      code: 'EACCES',
      errno: -13,
      syscall: 'mkdir',
      path: '/var/spool/ingest/signals',
    });
    const e = across(sys);
    expect(e).toMatchObject({
      code: 'EACCES',
      errno: -13,
      syscall: 'mkdir',
      path: '/var/spool/ingest/signals',
    });
    expect(describeStartupFailure(e, ctx)).toMatchObject({ kind: 'spool not writable' });
    // Without the fields it would be the generic failure: the check above is not vacuous.
    expect(describeStartupFailure(new Error(sys.message), ctx).kind).toBe('other');
  });

  it("keeps a client's own error code (kafkajs reports its type there)", () => {
    const k = Object.assign(new Error('This server does not host this topic-partition'), {
      name: 'KafkaJSProtocolError',
      type: 'UNKNOWN_TOPIC_OR_PARTITION',
    });
    const e = across(k);
    expect(e.name).toBe('KafkaJSProtocolError');
    expect(e).toMatchObject({ code: 'UNKNOWN_TOPIC_OR_PARTITION' });
  });

  it('reduces log fields to data: errors, class instances and functions included', () => {
    class Socket {
      toString(): string {
        return '[socket 127.0.0.1:9092]';
      }
    }
    const fields = plainFields({
      err: new SinkError('SINK_WRITE', 'send failed'),
      socket: new Socket(),
      fn: () => 1,
      nested: { n: 1, list: [1, 'a', new Error('inner')] },
    });
    const cloned = structuredClone(fields);
    expect(cloned).toMatchObject({
      err: { name: 'SinkError', code: 'SINK_WRITE', message: 'send failed' },
      socket: '[socket 127.0.0.1:9092]',
      nested: { n: 1, list: [1, 'a', { name: 'Error', message: 'inner' }] },
    });
    expect(typeof cloned['fn']).toBe('string');
  });
});
