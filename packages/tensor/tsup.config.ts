import { defineConfig } from 'tsup';

// Two entries: the package and its ./testing subpath (the backend conformance
// suite). Code splitting makes both share one copy of the engine, so a backend
// registered through '@attn/tensor' is visible to '@attn/tensor/testing'.
export default defineConfig({
  entry: { index: 'src/index.ts', 'testing/index': 'src/testing/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  splitting: true,
  target: 'es2022',
});
