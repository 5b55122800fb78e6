import { defaultClientConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// Resolve @attn/* packages from their TypeScript sources (the `source` export
// condition). Setting resolve.conditions replaces Vite's defaults, so they are added back.
export default defineConfig({
  base: './',
  resolve: { conditions: ['source', ...defaultClientConditions] },
  test: { include: ['test/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 180_000 },
});
