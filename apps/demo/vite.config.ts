import { attnDatasets } from '@attn/datasets/vite';
import { defaultClientConditions } from 'vite';
import { defineConfig } from 'vitest/config';

/**
 * Cross-origin isolation: with these two headers the page gets SharedArrayBuffer,
 * so @attn/wasm runs its matmuls on 2 threads (without them, on 1). A static host
 * must send the same two headers with every file (see README.md).
 */
export const CROSS_ORIGIN_ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

// Resolve @attn/* packages from their TypeScript sources (the `source` export
// condition). Setting resolve.conditions replaces Vite's defaults, so they are added back.
export default defineConfig({
  base: './',
  resolve: {
    conditions: ['source', ...defaultClientConditions],
    // @attn/train's batch sources import their helpers from '@attn/datasets', whose main
    // entry also re-exports the Node corpus loaders (node:fs, node:module). The browser entry
    // exports the same helpers without them, so the worker bundle gets that one instead.
    alias: [{ find: /^@attn\/datasets$/, replacement: '@attn/datasets/browser' }],
  },
  server: { headers: CROSS_ORIGIN_ISOLATION_HEADERS },
  preview: { headers: CROSS_ORIGIN_ISOLATION_HEADERS },
  // The corpora are bundled at build time as virtual modules (no network at run time).
  plugins: [attnDatasets()],
  // The training worker is an ES module worker (it imports the @attn packages).
  worker: { format: 'es' },
  test: {
    include: ['test/**/*.test.ts'],
    // The site is built once (dist/) for every browser test file.
    globalSetup: ['test/global-setup.ts'],
    // One browser test file at a time: each trains models in Chromium, and two at once on a
    // 2-core machine would only make each slower and their timeouts flakier.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
