/**
 * Public door of the Hyperliquid simulator: a loopback WS + POST /info server that plays a
 * consistent market for tracked accounts, enforces the documented limits, injects faults and
 * records ground truth. Everything else in src/sim is internal.
 */
export { startSimulator, SimulatorOptions } from './simulator.js';
export type { Simulator, SimulatorDeps, SimulatorState, SimEvent } from './simulator.js';
export type { SimFaults, FaultCommand, ConnSelector } from './faults.js';
export type { ConnectionInfo, ConnFaults } from './connection.js';
export type { GroundTruth } from './ground-truth.js';
export type { SimLimits } from './limits.js';
export { DEFAULT_LIMITS } from './limits.js';
export { MALFORM_KINDS, type MalformKind } from './malform.js';
export { hostileFrames, HOSTILE_TID_BASE, type HostileFrame } from './hostile.js';
export { Scenario, ScenarioStep, STEP_KINDS, loadScenario, parseScenario } from './scenario.js';
export { MARKETS, type Market } from './markets.js';
export { CANDLE_INTERVALS, bucketOf, type CandleInterval } from './candles.js';
export type { CtxFrameData } from './market-data.js';
export { ZERO_HASH } from './types.js';
export type {
  Block,
  WireFill,
  TapeTrade,
  TwapSliceFill,
  WireLiquidation,
  WsLiquidationEvent,
  WsOrderUpdate,
  WireCandle,
  WireBbo,
  WireLevel,
  WirePerpCtx,
  WireSpotCtx,
} from './types.js';
