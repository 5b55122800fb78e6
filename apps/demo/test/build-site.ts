// Vitest global setup: builds the site into dist/ once, before the Chromium test files
// (e2e.test.ts, e2e-inspect.test.ts) serve it; two files building at once would race.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

export default async function setup(): Promise<void> {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  await build({ root, configFile: join(root, 'vite.config.ts'), logLevel: 'error' });
}
