/** A service process's life: start-up and its exit codes, staged shutdown, retries, errors, a bounded cache. */
export { USAGE_EXIT } from './exit-codes.js';
export { closeInStages, once } from './lifecycle.js';
export { createLru } from './lru.js';
export { backoffDelay, retryUntilStopped } from './retry.js';
export { loadConfigOrExit, runService } from './run.js';
export { describeError, ServiceError } from './service-error.js';
