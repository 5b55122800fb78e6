// Runs the benchmark suites and writes each one's section into BENCHMARKS.md.
// `pnpm bench` runs them all; `pnpm --filter @attn/bench bench -- matmul` runs
// the suites whose names contain "matmul" (`-- =browser` only the suite named
// exactly "browser", not "demo-browser"). Sections of suites that did not run
// are kept as they were, so one suite can be refreshed alone.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { machineInfo, type Suite } from './harness.js';
import { suites } from './suites/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const outFile = path.resolve(here, '../../BENCHMARKS.md');
const filters = process.argv.slice(2).filter((a) => a !== '--');

function selected(suite: Suite): boolean {
  return filters.length === 0 || filters.some((f) => (f.startsWith('=') ? suite.name === f.slice(1) : suite.name.includes(f)));
}

function readSections(text: string): Map<string, string> {
  const sections = new Map<string, string>();
  const re = /<!-- suite:([\w-]+) -->\n([\s\S]*?)<!-- \/suite:\1 -->/g;
  for (const m of text.matchAll(re)) sections.set(m[1], m[2]);
  return sections;
}

async function main(): Promise<void> {
  const fresh = new Map<string, string>();
  const machine = machineInfo();
  const date = new Date().toISOString().slice(0, 10);
  for (const suite of suites.filter(selected)) {
    console.log(`\n## ${suite.title}\n`);
    const t0 = performance.now();
    const body = await suite.run();
    const secs = ((performance.now() - t0) / 1000).toFixed(0);
    console.log(body);
    fresh.set(suite.name, `## ${suite.title}\n\n_Run ${date} on ${machine}; suite took ${secs} s._\n\n${body.trim()}\n\n`);
  }
  // Re-read the file only now: a long suite must not wipe sections written meanwhile.
  const previous = fs.existsSync(outFile) ? readSections(fs.readFileSync(outFile, 'utf8')) : new Map<string, string>();
  for (const [name, body] of fresh) previous.set(name, body);
  const parts = [
    '# Benchmarks',
    '',
    'Written by `pnpm bench` (see CONTRIBUTING.md). Every figure is the median of repeats; peers are measured in the same run,',
    'so ratios are meaningful even though absolute times drift on this shared 2-core machine.',
    '',
  ];
  for (const suite of suites) {
    const body = previous.get(suite.name);
    if (body) parts.push(`<!-- suite:${suite.name} -->\n${body}<!-- /suite:${suite.name} -->`, '');
  }
  fs.writeFileSync(outFile, parts.join('\n'));
  console.log(`\nwrote ${path.relative(process.cwd(), outFile)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
