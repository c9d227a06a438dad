import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// `make mutation` (stryker.config.mjs): the unit tests next to the code, without the static checks of
// files and tools, which mutate nothing of the modules under test.
const alias = {
  '@eventstreamapp/event-schema': fileURLToPath(new URL('./packages/event-schema/src/index.ts', import.meta.url)),
};

export default defineConfig({
  resolve: { alias },
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      '{event-generator,automatic-generator,event-consumer,event-viewer}/src/**/*.test.ts',
    ],
  },
});
