// The README's examples that need only this package (and @attn/tensor) must run: each such
// ```js block is written to a temporary module importing the package source and imported.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';

const readme = fs.readFileSync(path.join(__dirname, '../README.md'), 'utf8');
const blocks = [...readme.matchAll(/```js\n([\s\S]*?)```/g)]
  .map((m) => m[1])
  // Only self-contained examples: imports from this package, @attn/tensor and node: modules.
  .filter((code) => [...code.matchAll(/from '([^']+)'/g)].every((m) => /^(@attn\/datasets|@attn\/tensor|node:.*)$/.test(m[1])));
const written: string[] = [];
afterAll(() => {
  for (const f of written) fs.rmSync(f, { force: true });
});

it('has runnable examples, the induction one among them', () => {
  expect(blocks.length).toBeGreaterThanOrEqual(4);
  expect(blocks.some((b) => b.includes('inductionTask'))).toBe(true);
});

blocks.forEach((code, i) => {
  it(`README example ${i + 1} runs and prints what its comments say`, async () => {
    const file = path.join(__dirname, `.readme-example-${i + 1}.ts`);
    fs.writeFileSync(file, `${code.replaceAll("'@attn/datasets'", "'../src/index'")}\nexport {};\n`);
    written.push(file);
    const printed: string[] = [];
    const log = console.log;
    console.log = (...args: unknown[]) => printed.push(args.map(String).join(' '));
    try {
      await import(/* @vite-ignore */ file);
    } finally {
      console.log = log;
    }
    // Where a console.log line ends in "// <plain values>", check the printed line begins with them.
    const claims = [...code.matchAll(/console\.log\(.*\); \/\/ ([\w .-]+)$/gm)].map((m) => m[1].trim());
    for (const claim of claims) expect(printed.some((line) => line.startsWith(claim))).toBe(true);
  });
});
