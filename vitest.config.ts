import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  resolve: {
    // Generated code imports the runtime by package name; inside the repo that is our own source.
    alias: [
      { find: /^adc-ts\/runtime$/, replacement: here("./src/runtime/index.ts") },
      { find: /^adc-ts\/gmm$/, replacement: here("./src/gmm/index.ts") },
      { find: /^adc-ts\/transformer$/, replacement: here("./transformer/index.ts") },
      { find: /^adc-ts$/, replacement: here("./src/index.ts") },
    ],
  },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
