/**
 * The consumer group ids of distributed mode, named once: the listener groups A and B over the
 * coordination topic and the processor group over the bronze topic. The adapters join them;
 * `ingest cluster status` describes them.
 */
import type { DistributedKafkaConfig } from '../config/index.js';

export type ClusterGroupName = 'A' | 'B' | 'processors';

export function clusterGroupIds(
  config: Pick<DistributedKafkaConfig, 'groupIdPrefix'>,
): Record<ClusterGroupName, string> {
  return {
    A: `${config.groupIdPrefix}-listeners-A`,
    B: `${config.groupIdPrefix}-listeners-B`,
    processors: `${config.groupIdPrefix}-processors`,
  };
}
