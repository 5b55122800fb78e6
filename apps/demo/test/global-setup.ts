// Builds the site once before the browser test files run (each serves dist/).
import { join } from 'node:path';
import { build } from 'vite';
import { root } from './browser';

export default async function setup(): Promise<void> {
  await build({ root, configFile: join(root, 'vite.config.ts'), logLevel: 'error' });
}
