/** Kafka: clients, the batching producer, an admin session, topic ends, record sizes, and what its errors mean. */
export { type AdminSession, createAdminSession } from './admin-session.js';
export { BatchingPublisher } from './batching-publisher.js';
export { createKafka, createProducer, serviceKafka, watchProducer } from './kafka.js';
export { BATCH_OVERHEAD_BYTES, largestEventFor } from './record-size.js';
export { type PartitionEnds, topicEnds } from './topic-ends.js';
