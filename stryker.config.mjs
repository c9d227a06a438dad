// Mutation testing of the pure modules (`make mutation`; MUTATE=glob[,glob] narrows it): Stryker changes the
// code one small way at a time and runs the unit tests that cover it; a mutant that survives is an
// assertion missing. Not part of `make test`. Scores per module and the survivors judged equivalent: README "Tests".
export const MODULES = [
  'packages/event-schema/src/{event,event-id,json-bytes,json-shape,names,normalize,parse-record,timestamp}.ts',
  'packages/event-schema/src/publish-body.ts',
  'packages/event-schema/src/store/{audit,dead-letter,id-buckets,journey,keys,stream-entry}.ts',
  'packages/service-kit/src/{process/retry,observability/throttle,http/authorization,process/lru,config/config}.ts',
  'packages/pipeline/src/{group-lag,plan-chunk}.ts',
  'event-consumer/src/config.ts',
  'event-consumer/src/offset-commits.ts',
  'event-viewer/src/{events/query,events/csv,events/export-slots,model/search,model/event-filter,live/feed}.ts',
  'event-viewer/src/{status/lag-estimate,status/lag-states,dlq/replay-jobs}.ts',
  'event-viewer/src/{http/compress,http/access,http/users-file,http/inputs}.ts',
  'event-generator/src/{parse-publish-body,rate-limit}.ts',
];

export default {
  packageManager: 'npm',
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts', related: true },
  // No TypeScript checker: the project compiles with TypeScript 7, which has no JavaScript API for Stryker's
  // checker (nor for its tsconfig rewriting, hence no tsconfigFile). A mutant that would not compile runs as
  // JavaScript and is killed or survives on what the tests see.
  tsconfigFile: 'tsconfig.stryker-none.json',
  mutate: process.env.MUTATE ? process.env.MUTATE.split(',') : MODULES,
  coverageAnalysis: 'perTest',
  // A re-run after a small change tests only the mutants it touches.
  incremental: true,
  incrementalFile: 'reports/mutation/incremental.json',
  reporters: ['clear-text', 'progress', 'json', 'html'],
  jsonReporter: { fileName: 'reports/mutation/report.json' },
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  thresholds: { high: 90, low: 85, break: null },
  concurrency: 2,
  tempDirName: '.stryker-tmp',
  ignorePatterns: ['.local', '.tools', 'reports', 'bench/results', 'test-artifacts', 'coverage'],
};
