// The README's examples must run: each ```ts block is written to a temporary module
// (importing this package's source, saving into a temp dir) and imported.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { parseSafetensors } from '../src/index.js';

const readme = fs.readFileSync(path.join(__dirname, '../README.md'), 'utf8');
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'attn-model-readme-'));
const written: string[] = [];
afterAll(() => {
  for (const f of written) fs.rmSync(f, { force: true });
  fs.rmSync(tmpDir, { recursive: true, force: true });
});

it('has examples', () => {
  expect(blocks.length).toBeGreaterThanOrEqual(2);
});

blocks.forEach((code, i) => {
  it(`README example ${i + 1} runs`, async () => {
    const source = code
      .replaceAll("'@attn/model'", "'../src/index.js'")
      .replaceAll("'tiny-gpt.safetensors'", JSON.stringify(path.join(tmpDir, 'tiny-gpt.safetensors')))
      .replaceAll("'tiny-dir'", JSON.stringify(path.join(tmpDir, 'tiny-dir')));
    const file = path.join(__dirname, `.readme-example-${i + 1}.ts`);
    fs.writeFileSync(file, `${source}\nexport {};\n`);
    written.push(file);
    const log = console.log;
    console.log = () => {};
    try {
      await import(/* @vite-ignore */ file);
    } finally {
      console.log = log;
    }
    if (code.includes('saveCheckpoint(')) {
      expect(fs.readdirSync(path.join(tmpDir, 'tiny-dir')).sort()).toEqual(['attn-tokenizer.json', 'config.json', 'model.safetensors']);
    }
    if (code.includes('saveGPT(')) {
      // The example's checkpoint is a real GPT-2 safetensors file.
      const bytes = fs.readFileSync(path.join(tmpDir, 'tiny-gpt.safetensors'));
      expect(parseSafetensors(bytes).tensors.get('transformer.h.3.mlp.c_fc.weight')!.shape).toEqual([128, 512]);
    }
  });
});
