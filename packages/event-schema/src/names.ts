/** Kafka's names: the topics and the consumer group. What the pipeline stores in Redis is named in store/. */
export const EVENTS_TOPIC = 'events';
export const DLQ_TOPIC = 'events.dlq';
export const EVENTS_TOPIC_PARTITIONS = 3;
export const CONSUMER_GROUP = 'event-consumer';
