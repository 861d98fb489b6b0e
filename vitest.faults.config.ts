import { defineConfig } from "vitest/config";

// The fault-injection suite (`npm run test:faults`): real processes, a Postgres it restarts, PgBouncer. Kept out of
// the default `vitest run` (its files end in .fault.ts) so the main suite stays fast; scripts/test-faults.sh
// starts the services it needs. Files run one at a time: each loads the machine on its own.
export default defineConfig({
  test: {
    include: ["test/faults/**/*.fault.ts"],
    testTimeout: 180_000,
    hookTimeout: 60_000,
    pool: "forks",
    fileParallelism: false,
    reporters: ["default"],
  },
});
