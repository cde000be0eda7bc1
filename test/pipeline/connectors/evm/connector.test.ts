// The evm connector's raw record round trip: normalize reverses encode exactly (so replayed raw
// bytes give the same drafts and ids), and bad bytes are rejected with a reason, never thrown.
import { describe, expect, it } from 'vitest';
import {
  EvmConnectorOptions,
  blockDraft,
  encodeEvmRecord,
  logDraft,
  normalizeEvmRecord,
} from '../../../../src/pipeline/connectors/evm/index.js';

const block = {
  number: 7,
  hash: `0x${'1a'.repeat(32)}`,
  parentHash: `0x${'0f'.repeat(32)}`,
  timestampS: 1_700_000_000,
  txCount: 2,
};
const log = {
  blockNumber: 7,
  blockHash: block.hash,
  logIndex: 3,
  txHash: `0x${'2b'.repeat(32)}`,
  address: `0x${'55'.repeat(20)}`,
  topics: [`0x${'dd'.repeat(32)}`],
  data: '0x01',
};

describe('evm connector records', () => {
  it.each([
    ['block', blockDraft(999, block)],
    ['log', logDraft(999, block, log)],
  ])('normalize(encode(%s)) is the draft itself', (_name, draft) => {
    const res = normalizeEvmRecord({ bytes: encodeEvmRecord(draft), receivedAtMs: 1 });
    expect(res).toEqual({ ok: true, drafts: [draft] });
  });

  it('rejects non-JSON and non-EVM records with a reason', () => {
    expect(normalizeEvmRecord({ bytes: Buffer.from('{'), receivedAtMs: 1 })).toMatchObject({
      ok: false,
      reason: 'PARSE_ERROR',
    });
    const trade = Buffer.from(JSON.stringify({ t: 'TRADE_TICK_V1', id: 'x', at: 1, m: 'm', p: {} }));
    expect(normalizeEvmRecord({ bytes: trade, receivedAtMs: 1 })).toMatchObject({
      ok: false,
      reason: 'UNSUPPORTED_RECORD',
    });
  });

  it('defaults to HyperEVM and names a bad filter', () => {
    expect(EvmConnectorOptions.parse({}).rpcUrl).toBe('https://rpc.hyperliquid.xyz/evm');
    const bad = EvmConnectorOptions.safeParse({ addresses: ['0x12'] });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['addresses', 0]);
  });
});
