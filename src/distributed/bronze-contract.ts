/**
 * Renders the published bronze-topic contract from its zod source: the JSON Schema of a
 * message value and golden vectors (records, the exact messages they encode to, and bad
 * messages with the error they must decode to). Deterministic output, so a unit test can
 * regenerate it in memory and fail when contracts/ is stale (`npm run contracts` rewrites it).
 */
import { z } from 'zod';
import { dec } from '../core/index.js';
import type { Address } from '../core/index.js';
import type { HandoffRecord } from '../handoff/index.js';
import { decodeBronze, encodeBronze } from './bronze-codec.js';
import type { BronzeMessage } from './bronze-codec.js';
import { BRONZE_SCHEMA_VERSION, BRONZE_TOPIC, BronzeRecord } from './bronze-schema.js';

export const BRONZE_CONTRACT_FILES = {
  schema: `contracts/distributed/bronze-record.v${BRONZE_SCHEMA_VERSION}.schema.json`,
  vectors: `contracts/distributed/bronze-vectors.v${BRONZE_SCHEMA_VERSION}.json`,
} as const;

const USER = '0x1111111111111111111111111111111111111111' as Address;

/** The golden records: every field shape the codec must carry, including awkward decimals. */
export const BRONZE_GOLDEN_RECORDS: ReadonlyArray<{ readonly name: string; readonly record: HandoffRecord }> =
  [
    {
      name: 'fills-user-stream',
      record: {
        kind: 'fills',
        influencerId: 'inf-42',
        listenerId: 'inf-42/primary',
        receivedAt: 1_764_806_400_123,
        fills: [
          {
            eventId: 'e1',
            user: USER,
            coin: 'BTC',
            side: 'B',
            px: dec('97012.5'),
            sz: dec('0.00012345678901'),
            time: 1_764_806_400_000,
            startPosition: dec('-12345678901.000000001'),
            dir: 'Close Short',
            tid: 123456789012345,
            oid: 987654321,
            hash: '0xabc',
            crossed: true,
            fee: '0.0012',
            closedPnl: '-3.5',
            liquidation: { liquidatedUser: USER, markPx: '97000.1', method: 'market' },
            twapId: null,
            source: {
              listenerId: 'inf-42/primary',
              listenerKind: 'user-stream',
              delivery: 'live',
              receivedAt: 1_764_806_400_123,
            },
          },
        ],
      },
    },
    {
      name: 'fills-market-stream-nulls',
      record: {
        kind: 'fills',
        influencerId: 'inf-7',
        listenerId: 'inf-7/secondary',
        receivedAt: 1_764_806_400_500,
        fills: [
          {
            eventId: 'e2',
            user: USER,
            coin: 'xyz:TSLA',
            side: 'A',
            px: dec('412.25'),
            sz: dec('3'),
            time: 1_764_806_400_400,
            startPosition: null,
            dir: null,
            tid: 55,
            oid: null,
            hash: null,
            crossed: null,
            fee: null,
            closedPnl: null,
            liquidation: null,
            twapId: 9,
            source: {
              listenerId: 'inf-7/secondary',
              listenerKind: 'market-stream',
              delivery: 'live',
              receivedAt: 1_764_806_400_500,
            },
          },
        ],
      },
    },
    {
      name: 'positions-snapshot',
      record: {
        kind: 'positions',
        influencerId: 'inf-42',
        listenerId: 'inf-42/primary',
        receivedAt: 1_764_806_401_000,
        user: USER,
        time: 1_764_806_400_999,
        positions: { BTC: '-0.5', 'xyz:TSLA': '12.000000000001' },
        dexes: ['', 'xyz'],
      },
    },
    {
      name: 'listener-state-unhealthy',
      record: {
        kind: 'listener-state',
        influencerId: 'inf-42',
        listenerId: 'inf-42/secondary',
        receivedAt: 1_764_806_402_000,
        role: 'secondary',
        healthy: false,
        state: 'reconnecting (stall)',
      },
    },
  ];

/** Bad messages and the text their decode error must contain. */
/** A positions record's value for influencer inf-1 with these positions (raw JSON numbers allowed). */
function positionsValue(positions: Record<string, unknown>): string {
  return JSON.stringify({
    v: 1,
    kind: 'positions',
    influencerId: 'inf-1',
    listenerId: 'l',
    receivedAt: 1,
    user: USER,
    time: 1,
    positions,
  });
}

export const BRONZE_BAD_MESSAGES: ReadonlyArray<{
  readonly name: string;
  readonly message: BronzeMessage;
  readonly error: string;
}> = [
  { name: 'not-json', message: { key: 'inf-1', value: '{oops', headers: {} }, error: 'value is not JSON' },
  {
    name: 'float-amount',
    message: {
      key: 'inf-1',
      value: positionsValue({ BTC: 1e-7 }),
      headers: {},
    },
    error: 'positions.BTC',
  },
  {
    name: 'future-version',
    message: { key: 'inf-1', value: '{}', headers: { 'schema-version': '2' } },
    error: "unsupported schema-version header '2'",
  },
  {
    name: 'key-mismatch',
    message: {
      key: 'inf-2',
      value: positionsValue({}),
      headers: {},
    },
    error: "key 'inf-2' differs from influencerId 'inf-1'",
  },
];

export function bronzeJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(BronzeRecord, { target: 'draft-2020-12' }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return {
    $schema,
    $id: `https://hl-influencer-ingest/${BRONZE_CONTRACT_FILES.schema}`,
    title: `Bronze record v${BRONZE_SCHEMA_VERSION}`,
    description:
      `One record a listener received, on Kafka topic ${BRONZE_TOPIC} (key = influencerId, ` +
      `headers schema-version, content-type, record-kind, listener-id). See src/distributed/README.md.`,
    ...rest,
  };
}

function renderVectors(): string {
  const valid = BRONZE_GOLDEN_RECORDS.map(({ name, record }) => ({ name, message: encodeBronze(record) }));
  const invalid = BRONZE_BAD_MESSAGES.map(({ name, message, error }) => {
    const r = decodeBronze(message);
    if (r.ok) throw new Error(`bronze bad vector '${name}' decoded without error`);
    return { name, message, errorContains: error };
  });
  return (
    JSON.stringify({ topic: BRONZE_TOPIC, schemaVersion: BRONZE_SCHEMA_VERSION, valid, invalid }, null, 2) +
    '\n'
  );
}

export function renderBronzeContracts(): ReadonlyArray<readonly [string, string]> {
  return [
    [BRONZE_CONTRACT_FILES.schema, JSON.stringify(bronzeJsonSchema(), null, 2) + '\n'],
    [BRONZE_CONTRACT_FILES.vectors, renderVectors()],
  ];
}
