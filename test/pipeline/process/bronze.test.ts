/**
 * The bronze record v2: golden bytes and id (the format in src/pipeline/process/bronze.ts and
 * the pipeline README), round trip, a deterministic id for idempotent re-append, v1 (JSON)
 * records still readable, and damaged records named as such.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { StateError } from '../../../src/core/index.js';
import type { RawRecord } from '../../../src/pipeline/connectors/index.js';
import {
  BRONZE_PARTITION,
  bronzeRequest,
  decodeBronze,
  rawOfBronze,
} from '../../../src/pipeline/process/index.js';

const full: RawRecord = {
  bytes: Buffer.from('{"px":"1.5"}'),
  receivedAtMs: 1_764_806_400_000,
  sourceUri: 'ws://x/trades',
  traceId: '0123456789abcdef0123456789abcdef',
};
const FULL_HEX =
  '4252' +
  '02' +
  '07' +
  '0000019ae6a89800' +
  '0003' +
  '73796e' +
  '0005' +
  '312e322e30' +
  '0000000d' +
  '77733a2f2f782f747261646573' +
  '00000020' +
  '3031323334353637383961626364656630313233343536373839616263646566' +
  '0000000c' +
  '7b227078223a22312e35227d';
const MIN_HEX =
  '4252' + '02' + '00' + '0000000000000005' + '0001' + '63' + '0005' + '312e302e30' + '00000002' + '00ff';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('bronze record v2', () => {
  it('encodes the golden bytes; the id is sha256 of exactly those bytes', () => {
    const r = bronzeRequest(full, 'syn', '1.2.0', true);
    expect(hex(r.bytes)).toBe(FULL_HEX);
    expect(r.eventId).toBe('2f23fe892d4410c3467cc3e22e843f78f13704b68a76c275138b64338c712209');
    expect(r.eventId).toBe(createHash('sha256').update(Buffer.from(FULL_HEX, 'hex')).digest('hex'));
    expect(r.partition).toBe(BRONZE_PARTITION);
    expect(r.timestampMs).toBe(full.receivedAtMs);
    const m = bronzeRequest({ bytes: new Uint8Array([0, 255]), receivedAtMs: 5 }, 'c', '1.0.0', false);
    expect(hex(m.bytes)).toBe(MIN_HEX);
    expect(m.eventId).toBe('6494c4b189c747da0c73955b1f28d9ddf11cd7ecfc1201721555889a1195ddd2');
  });

  it('round-trips every field, and the same record gives the same id and bytes again', () => {
    const a = bronzeRequest(full, 'syn', '1.2.0', true);
    const other = bronzeRequest({ ...full, receivedAtMs: full.receivedAtMs + 1 }, 'syn', '1.2.0', true);
    const b = bronzeRequest(full, 'syn', '1.2.0', true);
    // The writer is reused: earlier results must not change under later records.
    expect(hex(a.bytes)).toBe(FULL_HEX);
    expect(b.eventId).toBe(a.eventId);
    expect(other.eventId).not.toBe(a.eventId);
    const d = decodeBronze(a.bytes);
    expect(d).toMatchObject({ connectorId: 'syn', connectorVersion: '1.2.0', degraded: true });
    expect(rawOfBronze(d)).toEqual({ ...full, bytes: new Uint8Array(full.bytes) });
    const m = decodeBronze(Buffer.from(MIN_HEX, 'hex'));
    expect(m.degraded).toBe(false);
    expect(m.sourceUri).toBeUndefined();
    expect(m.traceId).toBeUndefined();
    expect(hex(m.raw)).toBe('00ff');
  });

  it('still reads v1 (JSON, base64 raw) records', () => {
    const v1 = {
      v: 1,
      connectorId: 'syn',
      connectorVersion: '1.2.0',
      receivedAtMs: full.receivedAtMs,
      degraded: true,
      sourceUri: full.sourceUri,
      traceId: full.traceId,
      raw: Buffer.from(full.bytes).toString('base64'),
    };
    const d = decodeBronze(Buffer.from(JSON.stringify(v1)));
    expect(hex(bronzeRequest(rawOfBronze(d), d.connectorId, d.connectorVersion, d.degraded).bytes)).toBe(
      FULL_HEX,
    );
  });

  it('names a damaged record: truncated, trailing bytes, bad magic, unknown version or flags', () => {
    const good = Buffer.from(FULL_HEX, 'hex');
    const cases: [Buffer, RegExp][] = [
      [good.subarray(0, good.length - 3), /truncated at raw/],
      [Buffer.concat([good, Buffer.from([0])]), /1 trailing bytes/],
      [Buffer.from('4a52' + FULL_HEX.slice(4), 'hex'), /bad magic/],
      [Buffer.from('425203' + FULL_HEX.slice(6), 'hex'), /unknown version 3/],
      [Buffer.from('425202' + '0f' + FULL_HEX.slice(8), 'hex'), /unknown flags 0xf/],
      [Buffer.from('{"v":1}'), /bronze record is damaged/],
    ];
    for (const [bytes, msg] of cases) {
      let err: unknown;
      try {
        decodeBronze(bytes);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(StateError);
      expect((err as StateError).code).toBe('SPOOL_CORRUPT');
      expect((err as Error).message).toMatch(msg);
    }
  });
});
