// Name -> service definition, so control.ts (in a worker) can rebuild the probe and stop policy of
// a service from nothing but its serialized state.
import { clickhouseService } from './clickhouse.js';
import { evmService } from './evm.js';
import { kafkaService } from './kafka.js';
import { natsService } from './nats.js';
import { postgresService } from './postgres.js';
import { redisService } from './redis.js';
import type { ServiceDef } from './service.js';
import type { ServiceName } from './types.js';

export function serviceDef(name: ServiceName): ServiceDef {
  switch (name) {
    case 'redis':
      return redisService();
    case 'clickhouse':
      return clickhouseService();
    case 'kafka':
      return kafkaService();
    case 'nats':
      return natsService();
    case 'postgres':
      return postgresService();
    case 'evm':
      return evmService();
  }
}
