// Child process of the `pretrained` suite: loads one checkpoint directory and reports
// the load time and the process's peak resident set size (process.resourceUsage().maxRSS),
// so the parent measures loading alone, in a fresh process, with nothing else in memory.
//
// Plain JavaScript run by plain `node`, on the built packages (dist/, which turbo builds
// before `pnpm bench`): what a program using @attn/model runs, without tsx transpiling
// TypeScript in the same process (that doubles the baseline RSS). pretrained.ts forks it
// with argv[2] = the directory and argv[3] = 'cpu' (JavaScript arrays) or 'wasm' (parameters
// in @attn/wasm's memory, its resident budget sized from config.json first, as the attn CLI
// does); it replies with one message, a LoadReport (see pretrained.ts).
import { gptParameterCount, loadPretrained, readCheckpointConfig } from '@attn/model';
import { setBackend } from '@attn/tensor';
import { registerWasmBackend } from '@attn/wasm';

/**
 * What the suite measures: everything from a directory path to a model whose weights sit in
 * their final storage, and its tokenizer.
 * @param {string} dir
 */
async function loadForBenchmark(dir) {
  return loadPretrained(dir);
}

/**
 * Proof the load happened, computed after the peak is recorded: a sum of a few values, the
 * parameter count, and GPT-2's ids for "Hello world". (Reading parameters back copies them on
 * wasm, which must not count as loading.)
 * @param {Awaited<ReturnType<typeof loadPretrained>>} loaded
 */
function summary({ model, tokenizer }) {
  let parameters = 0;
  let checksum = 0;
  for (const [, p] of model.namedParameters()) {
    parameters += p.size;
    checksum += p.dataSync()[0];
  }
  return { parameters, checksum, tokenizer: { vocabSize: tokenizer.vocabSize, helloWorld: tokenizer.encode('Hello world') } };
}

async function main() {
  const [dir, backend] = [process.argv[2], process.argv[3] ?? 'cpu'];
  let wasm = null;
  if (backend === 'wasm') {
    // Room for the float32 weights and 256 MiB of activations (the default 512 MiB does not hold GPT-2 small's 498 MB with room to compute).
    const weights = 4 * gptParameterCount((await readCheckpointConfig(dir)).gpt);
    wasm = await registerWasmBackend({ residentBytes: weights + 256 * 2 ** 20 });
    if (!wasm) throw new Error('no WebAssembly SIMD here');
    setBackend('wasm');
  }
  const baselineRssBytes = process.resourceUsage().maxRSS * 1024;
  const t0 = performance.now();
  const loaded = await loadForBenchmark(dir);
  const loadMs = performance.now() - t0;
  const peakRssBytes = process.resourceUsage().maxRSS * 1024;
  const resident = wasm ? loaded.model.namedParameters().every(([, p]) => wasm.kernels.isResident(p.storage.handle)) : false;
  process.send?.({ loadMs, baselineRssBytes, peakRssBytes, resident, ...summary(loaded) });
  wasm?.dispose();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
