// Child process of the `pretrained` suite: loads one checkpoint directory and reports
// the load time and the process's peak resident set size (process.resourceUsage().maxRSS),
// so the parent measures loading alone, in a fresh process, with nothing else in memory.
//
// Run by pretrained.ts with fork(); argv[2] is the directory. Replies with one message.
import { loadPretrained } from '@attn/model';

export interface LoadReport {
  /** Wall time of the load, milliseconds. */
  loadMs: number;
  /** Peak RSS before loading started (Node, tsx and the imported packages), bytes. */
  baselineRssBytes: number;
  /** Peak RSS over the whole process, load included, bytes. */
  peakRssBytes: number;
  /** Float32 values the loaded model holds. */
  parameters: number;
  /** Sum of a few values, so the load cannot be skipped and a broken one shows. */
  checksum: number;
}

/** What the suite measures: everything from a directory path to a model whose weights sit in their final storage. */
async function loadForBenchmark(dir: string): Promise<{ parameters: number; checksum: number; keepAlive: unknown }> {
  const { model } = await loadPretrained(dir);
  let parameters = 0;
  let checksum = 0;
  for (const [, p] of model.namedParameters()) {
    const values = p.dataSync();
    parameters += values.length;
    checksum += values[0] + values[values.length - 1];
  }
  return { parameters, checksum, keepAlive: model };
}

async function main(): Promise<void> {
  const dir = process.argv[2];
  const baselineRssBytes = process.resourceUsage().maxRSS * 1024;
  const t0 = performance.now();
  const { parameters, checksum, keepAlive } = await loadForBenchmark(dir);
  const loadMs = performance.now() - t0;
  const peakRssBytes = process.resourceUsage().maxRSS * 1024;
  const report: LoadReport = { loadMs, baselineRssBytes, peakRssBytes, parameters, checksum };
  if (!keepAlive) throw new Error('nothing loaded');
  process.send?.(report);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
