// Child process of the `pretrained` suite: loads one checkpoint directory and reports
// the load time and the process's peak resident set size (process.resourceUsage().maxRSS),
// so the parent measures loading alone, in a fresh process, with nothing else in memory.
//
// Plain JavaScript run by plain `node`, on the built packages (dist/, which turbo builds
// before `pnpm bench`): what a program using @attn/model runs, without tsx transpiling
// TypeScript in the same process (that doubles the baseline RSS). pretrained.ts forks it
// with argv[2] = the directory; it replies with one message, a LoadReport (see pretrained.ts).
import { loadPretrained } from '@attn/model';

/**
 * What the suite measures: everything from a directory path to a model whose weights sit in
 * their final storage, and its tokenizer.
 * @param {string} dir
 */
async function loadForBenchmark(dir) {
  const { model, tokenizer } = await loadPretrained(dir);
  let parameters = 0;
  let checksum = 0;
  for (const [, p] of model.namedParameters()) {
    const values = p.dataSync();
    parameters += values.length;
    checksum += values[0] + values[values.length - 1];
  }
  return { parameters, checksum, keepAlive: model, tokenizer: { vocabSize: tokenizer.vocabSize, helloWorld: tokenizer.encode('Hello world') } };
}

async function main() {
  const dir = process.argv[2];
  const baselineRssBytes = process.resourceUsage().maxRSS * 1024;
  const t0 = performance.now();
  const { parameters, checksum, keepAlive, tokenizer } = await loadForBenchmark(dir);
  const loadMs = performance.now() - t0;
  const peakRssBytes = process.resourceUsage().maxRSS * 1024;
  if (!keepAlive) throw new Error('nothing loaded');
  process.send?.({ loadMs, baselineRssBytes, peakRssBytes, parameters, checksum, tokenizer });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
