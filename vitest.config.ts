import { defineConfig } from "vitest/config";

// The unit suite: everything under test/ except the kernel suite, which needs root and network
// namespaces and runs with vitest.kernel.config.ts.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/kernel/**", "node_modules/**"],
    testTimeout: 20_000,
  },
});
