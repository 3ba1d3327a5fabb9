import { defineConfig } from 'vitest/config';
// Integration tests share one real Slurm cluster and sshd: run files one at a time.
export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
