// The one import for integration tests: endpoints, isolated resources, and service control.
export { services, uniqueName, testKafka, createTopic, eventually } from './resources.js';
export { useRedisPrefix } from './redis-prefix.js';
export { readWholeTopic, topicMessage } from './read-topic.js';
export type { TopicMessage } from './read-topic.js';
export type { CreateTopicOptions } from './resources.js';
export { serviceControl, isControllable } from './control.js';
export type { ServiceControl } from './control.js';
export type { ProvidedServices, ServiceName } from './types.js';
