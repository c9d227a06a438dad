/**
 * What any Node service of this project is built from, by role: each folder's index is its door, and this
 * file opens them all. The pipeline's own rules live in @eventstreamapp/pipeline.
 */

export * from './config/index.js';
export * from './http/index.js';
export * from './kafka/index.js';
export * from './observability/index.js';
export * from './process/index.js';
export * from './redis/index.js';
