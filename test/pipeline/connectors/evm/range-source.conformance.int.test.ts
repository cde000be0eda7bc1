// The EVM block range source runs the shared RangeSource cases on the Hardhat node: a few fresh
// blocks (mined here), read back as block headers and logs, positioned by block number.
import { EvmRangeSource, HttpEvmRpc } from '../../../../src/pipeline/connectors/evm/index.js';
import { decodePayload } from '../../../../src/pipeline/envelope/index.js';
import type { NormalizedEvent } from '../../../../src/pipeline/envelope/index.js';
import { services } from '../../../harness/index.js';
import { rangeSourceConformance } from '../../backfill/range-source-conformance.js';

function blockOf(e: NormalizedEvent): number {
  if (e.payloadType === 'EVM_BLOCK_V1') return Number(decodePayload('EVM_BLOCK_V1', e.payload).number);
  if (e.payloadType === 'EVM_LOG_V1') return Number(decodePayload('EVM_LOG_V1', e.payload).blockNumber);
  throw new Error(`unexpected ${e.payloadType}`);
}

rangeSourceConformance({
  name: 'EvmRangeSource',
  async open() {
    const rpc = new HttpEvmRpc({ url: services().evm.url, timeoutMs: 10_000 });
    for (let i = 0; i < 6; i++) await rpc.call('evm_mine', []);
    const head = await rpc.headNumber();
    return {
      source: new EvmRangeSource({
        connectorId: 'hardhat',
        connectorVersion: '1.0.0',
        sourceId: 'hardhat',
        sourceVersion: '1',
        rpc,
        filter: { addresses: [], topics: [] },
        domain: 'chain.evm',
      }),
      whole: { index: 0, from: head - 5, to: head + 1 },
      position: blockOf,
    };
  },
});
