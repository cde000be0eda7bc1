/**
 * Distributed mode on Kafka (issue #17): the bronze-topic codec and contract, the Kafka
 * hand-off adapters (listener-side sink, processor-side source) and listener-group ownership
 * over a coordination topic with a sticky assignor. The composition root wires these; nothing
 * here reaches into other stages.
 */
export { BRONZE_SCHEMA_VERSION, BRONZE_TOPIC, BronzeRecord } from './bronze-schema.js';
export { BRONZE_HEADERS, decodeBronze, encodeBronze } from './bronze-codec.js';
export type { BronzeMessage, BronzeMessageIn, DecodeResult } from './bronze-codec.js';
export {
  BRONZE_BAD_MESSAGES,
  BRONZE_CONTRACT_FILES,
  BRONZE_GOLDEN_RECORDS,
  bronzeJsonSchema,
  renderBronzeContracts,
} from './bronze-contract.js';
export { assignSticky, movedPartitions } from './sticky-assignment.js';
export type { StickyMember } from './sticky-assignment.js';
export { STICKY_ASSIGNER_NAME, stickyAssigner } from './sticky-assigner.js';
export type { CurrentJoinData } from './sticky-assigner.js';
export { MemberAdvert, assignedPartitions, decodeJoinData, encodeJoinData } from './join-metadata.js';
export type { JoinData } from './join-metadata.js';
export { fnv1a32, influencerPartition } from './influencer-hash.js';
export { distributedKafka } from './client.js';
export { KafkaHandoffSink, createKafkaHandoffSink } from './handoff-sink.js';
export type {
  BronzeProducer,
  HandoffSinkEvents,
  HandoffSinkStatus,
  KafkaHandoffSinkOptions,
} from './handoff-sink.js';
export { ensureTopic } from './topics.js';
export type { TopicSpec } from './topics.js';
export { KafkaHandoffSource, createKafkaHandoffSource } from './handoff-source.js';
export type {
  HandoffSourceEvents,
  HandoffSourceStatus,
  KafkaHandoffSourceOptions,
} from './handoff-source.js';
export { PartitionAcks } from './partition-acks.js';
export type { DeliveryToken, PartitionAckStatus } from './partition-acks.js';
export { KafkaListenerOwnership, createKafkaListenerOwnership } from './listener-ownership.js';
export type {
  KafkaListenerOwnershipOptions,
  ListenerOwnershipEvents,
  ListenerOwnershipStatus,
} from './listener-ownership.js';
export { clusterView } from './cluster-view.js';
export type {
  ClusterGroup,
  ClusterInput,
  ClusterMember,
  ClusterReport,
  GroupInput,
  GroupMemberInput,
  InfluencerRow,
  ListenerCell,
  MemberStatusJson,
  MemberStatusResult,
} from './cluster-view.js';
export { probeCluster } from './cluster-probe.js';
export { clusterGroupIds } from './group-ids.js';
export type { ClusterGroupName } from './group-ids.js';
export type { ClusterProbeOptions } from './cluster-probe.js';
