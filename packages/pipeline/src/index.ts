/**
 * The pipeline's rules that more than one service applies: what the consumer accepts and how a chunk is
 * planned, reading fixed ranges of a topic, a consumer group's lag, and the dead-letter replay with its lock.
 */
export {
  formatReport,
  type ReplayOptions,
  type ReplayReport,
  replayDeadLetters,
} from './dead-letter-replay.js';
export { committedOffsets, type PartitionLag, readGroupLag } from './group-lag.js';
export { type Accepted, type ChunkPlan, planChunk, type Refused } from './plan-chunk.js';
export { type PartitionRange, readTopicRanges } from './read-ranges.js';
