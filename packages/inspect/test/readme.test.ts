// The README's examples must run: each ```ts block is written to a temporary module that
// imports this package's source, then imported.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';

const readme = fs.readFileSync(path.join(__dirname, '../README.md'), 'utf8');
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
const written: string[] = [];
afterAll(() => {
  for (const f of written) fs.rmSync(f, { force: true });
});

it('has examples', () => {
  expect(blocks.length).toBe(3);
});

blocks.forEach((code, i) => {
  it(`README example ${i + 1} runs`, async () => {
    const file = path.join(__dirname, `.readme-example-${i + 1}.ts`);
    fs.writeFileSync(file, `${code.replaceAll("'@attn/inspect'", "'../src/index.js'")}\nexport {};\n`);
    written.push(file);
    const logged: unknown[][] = [];
    const log = console.log;
    console.log = (...args: unknown[]) => logged.push(args);
    try {
      await import(/* @vite-ignore */ file);
    } finally {
      console.log = log;
    }
    expect(logged.length).toBeGreaterThan(0);
    if (i === 2) expect(logged).toEqual([[['0.248', '0.248', '0.503']], [['1.25', '2.00']]]);
  });
});
