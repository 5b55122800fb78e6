#!/usr/bin/env node
// Scaffolds a sampling-strategy package: `pnpm new:sampler NAME` creates
// packages/sample-NAME (package.json, tsconfig, vitest config, a documented
// skeleton strategy, a test, a README) and a changeset for its first release.
//
//   node scripts/new-sampler.mjs NAME [--root DIR] [--dry-run]
//
// --root DIR   write into DIR/packages and DIR/.changeset instead of this repo
// --dry-run    print what would be written and write nothing
//
// The package is written to a temporary folder first and renamed into place,
// so a failure never leaves half a package behind.
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BUILT_IN = ['greedy', 'multinomial', 'temperature', 'top-k', 'top-p', 'min-p', 'repetition-penalty'];
const USAGE = 'usage: pnpm new:sampler NAME [--root DIR] [--dry-run]   (NAME: lowercase letters, digits, dashes, e.g. "mirostat")';

function fail(message) {
  console.error(`new:sampler: ${message}`);
  process.exit(1);
}

function parseArgs(argv) {
  const args = { name: undefined, root: path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..'), dryRun: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--dry-run') args.dryRun = true;
    else if (a === '--root') {
      if (!argv[i + 1]) fail('--root needs a directory');
      args.root = path.resolve(argv[++i]);
    } else if (a === '--help' || a === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else if (a.startsWith('-')) fail(`unknown flag ${a}\n${USAGE}`);
    else if (args.name === undefined) args.name = a;
    else fail(`one NAME only, got "${args.name}" and "${a}"\n${USAGE}`);
  }
  if (args.name === undefined) fail(`missing NAME\n${USAGE}`);
  if (!/^[a-z][a-z0-9-]*$/.test(args.name) || args.name.endsWith('-')) {
    fail(`NAME must be lowercase letters, digits and dashes starting with a letter, got "${args.name}"`);
  }
  if (BUILT_IN.includes(args.name)) fail(`"${args.name}" is a built-in strategy of @attn/sample; pick another name`);
  return args;
}

/** `my-thing` -> `myThing`: the name of the strategy's factory function. */
const camel = (name) => name.replace(/-([a-z0-9])/g, (_, c) => c.toUpperCase());
/** `my-thing` -> `MyThing`: the name of its options type. */
const pascal = (name) => camel(name).replace(/^./, (c) => c.toUpperCase());

function files(name) {
  const pkg = `@attn/sample-${name}`;
  const fn = camel(name);
  const Options = `${pascal(name)}Options`;
  const packageJson = {
    name: pkg,
    version: '0.0.0',
    description: `The "${name}" sampling strategy for @attn/sample.`,
    license: 'MIT',
    type: 'module',
    sideEffects: false,
    keywords: ['attn', 'attn-sampler', 'sampling'],
    exports: {
      '.': {
        source: './src/index.ts',
        import: { types: './dist/index.d.ts', default: './dist/index.js' },
        require: { types: './dist/index.d.cts', default: './dist/index.cjs' },
      },
      './package.json': './package.json',
    },
    main: './dist/index.cjs',
    module: './dist/index.js',
    types: './dist/index.d.ts',
    files: ['dist', 'README.md'],
    scripts: {
      build: 'tsup src/index.ts --format esm,cjs --dts --clean --sourcemap --target es2022',
      test: 'vitest run',
      typecheck: 'tsc --noEmit -p .',
      lint: 'biome lint .',
    },
    dependencies: { '@attn/sample': 'workspace:^' },
  };

  const index = `// ${pkg}: TODO one line saying what the strategy does, and the paper it comes from.
//
// A sampling strategy is either
//   - a LogitsProcessor: logits (and the tokens so far) in, new logits out; a
//     token is removed by setting its logit to -Infinity; or
//   - a TokenChooser: logits in, one token id out (like greedy or multinomial).
// This skeleton is a processor that returns the logits unchanged: put the
// strategy's math in \`process\`. Helpers from @attn/sample you may want:
// softmax, argmax, idsByDescending, maskAllBut, requireNumber, checkOptions.
import { type LogitsProcessor, type SamplerOptions, checkOptions, requireNumber } from '@attn/sample';

export interface ${Options} {
  /** TODO: an example parameter in (0, 1] (default 1); rename it or remove it. */
  p?: number;
}

/** Builds the strategy; validates its options up front so bad flags fail early. */
export function ${fn}(options: ${Options} = {}): LogitsProcessor {
  checkOptions('${fn}', options, ['p']);
  const p = requireNumber('${fn}', 'p', options.p ?? 1, { min: 0, minExclusive: true, max: 1, expected: 'in (0, 1]' });
  return {
    kind: 'processor',
    name: \`${name}(\${p})\`,
    process(logits, _tokensSoFar) {
      const out = logits.slice(); // never mutate the input
      // TODO: reshape \`out\` here.
      return out;
    },
  };
}

/**
 * What loadSamplerByName('${name}', options) calls, e.g. for
 * \`attn generate --sampler ${name}:p=0.5\`. Options arrive as parsed from the
 * command line, so validate them (${fn} does).
 */
export function createStrategy(options: SamplerOptions = {}): LogitsProcessor {
  return ${fn}(options as ${Options});
}

export default createStrategy;
`;

  const test = `import { loadSamplerByName, multinomial, sampler } from '@attn/sample';
import { describe, expect, it } from 'vitest';
import { createStrategy, ${fn} } from '../src/index.js';

describe('${fn}', () => {
  it('returns new logits of the same length and leaves its input alone', () => {
    const logits = Float32Array.from([1, 2, 3]);
    const out = ${fn}({ p: 0.5 }).process(logits, []);
    expect(out).toBeInstanceOf(Float32Array);
    expect(out).not.toBe(logits);
    expect([...logits]).toEqual([1, 2, 3]);
  });

  // TODO: replace with a case you computed by hand, e.g. "with these logits and
  // p = 0.5 exactly tokens 1 and 3 survive".
  it.todo('matches a hand-computed case');

  it('works in a sampler pipeline', () => {
    const s = sampler([${fn}()], multinomial({ seed: 1 }));
    expect(s.sample(Float32Array.from([0, 0, 9]))).toBe(2);
  });

  it('rejects bad options with a clear message', () => {
    expect(() => ${fn}({ p: 0 })).toThrow(/${fn}: p must be in \\(0, 1\\]/);
    expect(() => createStrategy({ q: 1 })).toThrow(/unknown option 'q'/);
  });

  it('is found by name', async () => {
    const strategy = await loadSamplerByName('${name}', { p: 0.5 }, { importModule: () => import('../src/index.js') });
    expect(strategy.name).toBe('${name}(0.5)');
  });
});
`;

  const readme = `# ${pkg}

TODO: what the "${name}" sampling strategy does, when to use it, and the paper it comes from.

A strategy package for [@attn/sample](../sample): it plugs into any sampler
pipeline and can be picked by name.

## Use it in code

\`\`\`ts
import { multinomial, sampler, temperature } from '@attn/sample';
import { ${fn} } from '${pkg}';

const s = sampler([temperature(0.8), ${fn}({ p: 0.5 })], multinomial({ seed: 1 }));
const id = s.sample(Float32Array.from([1, 2, 3]));
\`\`\`

## Use it by name

\`\`\`sh
attn generate --sampler ${name}:p=0.5
\`\`\`

which calls \`loadSamplerByName('${name}', { p: 0.5 })\` and imports this package.

## Options

| option | default | meaning |
| --- | --- | --- |
| \`p\` | 1 | TODO |
`;

  const changeset = `---
"${pkg}": minor
---
First release of the "${name}" sampling strategy.
`;

  const tsconfig = `{
  "extends": "../../tsconfig.base.json",
  "include": ["src", "test"]
}
`;
  const vitest = `import { sharedConfig } from '../../vitest.shared';

export default sharedConfig;
`;
  return {
    packageFiles: {
      'package.json': `${JSON.stringify(packageJson, null, 2)}\n`,
      'tsconfig.json': tsconfig,
      'vitest.config.ts': vitest,
      'src/index.ts': index,
      [`test/${name}.test.ts`]: test,
      'README.md': readme,
    },
    changeset,
  };
}

function main() {
  const { name, root, dryRun } = parseArgs(process.argv.slice(2));
  const packagesDir = path.join(root, 'packages');
  const target = path.join(packagesDir, `sample-${name}`);
  const changesetPath = path.join(root, '.changeset', `sample-${name}-initial.md`);
  if (existsSync(target)) fail(`${target} already exists; pick another name or remove it first`);
  if (existsSync(changesetPath)) fail(`${changesetPath} already exists`);
  const { packageFiles, changeset } = files(name);

  const written = [...Object.keys(packageFiles).map((f) => path.join(target, f)), changesetPath];
  if (dryRun) {
    console.log(`new:sampler (dry run): would write\n${written.map((f) => `  ${path.relative(root, f)}`).join('\n')}`);
    return;
  }

  // Everything goes into a temporary sibling folder, renamed into place at the end.
  const staging = path.join(packagesDir, `.sample-${name}.tmp-${process.pid}`);
  try {
    for (const [file, text] of Object.entries(packageFiles)) {
      mkdirSync(path.dirname(path.join(staging, file)), { recursive: true });
      writeFileSync(path.join(staging, file), text);
    }
    mkdirSync(path.dirname(changesetPath), { recursive: true });
    writeFileSync(`${changesetPath}.tmp-${process.pid}`, changeset);
    renameSync(staging, target);
    renameSync(`${changesetPath}.tmp-${process.pid}`, changesetPath);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    rmSync(`${changesetPath}.tmp-${process.pid}`, { force: true });
    fail(`could not write the package: ${error.message}`);
  }
  console.log(`new:sampler: created\n${written.map((f) => `  ${path.relative(root, f)}`).join('\n')}
next:
  pnpm install                                  # link the new package into the workspace
  pnpm --filter @attn/sample-${name} test        # the skeleton's tests pass as generated
then write the strategy in src/index.ts, a hand-computed test, the README, and edit the changeset.`);
}

main();
