// Running the built `attn` binary (dist/main.js) from the CLI's tests.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

/** apps/cli, where `pnpm build` writes dist/. */
export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const bin = join(root, 'dist', 'main.js');

/** Runs `attn ...args` in `cwd` without colours; its exit code and output. */
export function runAttn(cwd: string, ...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A usage error: exit 2, exactly one line on stderr, no stack trace. */
export function expectUsageError(r: { code: number; stderr: string }, mention: RegExp): void {
  expect(r.code).toBe(2);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(mention);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}
