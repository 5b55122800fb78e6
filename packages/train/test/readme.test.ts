// The README's example must run: its ```ts block is written next to this file (importing
// this package's source, saving into a temporary directory) and imported.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';

const readme = fs.readFileSync(path.join(__dirname, '../README.md'), 'utf8');
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'attn-train-readme-'));
const file = path.join(__dirname, '.readme-example.ts');
afterAll(() => {
  fs.rmSync(file, { force: true });
  fs.rmSync(tmpDir, { recursive: true, force: true });
});

it('README example runs: trains, saves a checkpoint directory and resumes it', async () => {
  expect(blocks).toHaveLength(1);
  const source = blocks[0].replaceAll("'@attn/train'", "'../src/index.js'").replaceAll("'ckpt'", JSON.stringify(path.join(tmpDir, 'ckpt')));
  fs.writeFileSync(file, `${source}\nexport {};\n`);
  const logged: unknown[][] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => logged.push(args);
  try {
    await import(/* @vite-ignore */ file);
  } finally {
    console.log = log;
  }
  expect(fs.readdirSync(path.join(tmpDir, 'ckpt')).sort()).toEqual(['attn-tokenizer.json', 'config.json', 'model.safetensors', 'training-state.safetensors']);
  expect(logged.map((l) => l[0])).toEqual([10, 20, 40]);
}, 60_000);
