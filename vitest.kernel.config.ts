import { defineConfig } from "vitest/config";

// Kernel tests: run as root with the tools from .ci/install-kernel-deps.sh. They build network
// namespaces named ipt-*, so they run one file at a time, and kernel round trips take seconds.
export default defineConfig({
  test: {
    include: ["test/kernel/**/*.test.ts"],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
