// @attn/layers: multi-head causal self-attention (forward, and forward +
// backward) against the same computation in PyTorch on one thread, and what
// the KV cache saves when decoding token by token.
import { KVCache, MultiHeadAttention, TransformerEncoderBlock } from '@attn/layers';
import { noGrad, Rng, randn, type Tensor } from '@attn/tensor';
import { fmt, measure, type Suite, table } from '../harness.js';
import { findTorch, runTorch } from './wasm-torch.js';

interface AttnCase {
  B: number;
  T: number;
  C: number;
  H: number;
}

const cases: AttnCase[] = [
  { B: 1, T: 128, C: 256, H: 4 },
  { B: 1, T: 64, C: 768, H: 12 },
  { B: 4, T: 64, C: 128, H: 4 },
];

/** Median ms of [forward (no grad), forward + backward] for each case, same math as MultiHeadAttention. */
const torchAttentionScript = `
import json, math, sys, time, torch
cases = json.loads(sys.argv[1])
torch.set_num_threads(int(sys.argv[2]))
torch.manual_seed(0)
def median(fn, reps):
    for _ in range(2):
        fn()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter(); fn(); ts.append(time.perf_counter() - t0)
    ts.sort()
    return ts[len(ts) // 2] * 1000
out = []
for c in cases:
    B, T, C, H = c['B'], c['T'], c['C'], c['H']
    w_attn = (torch.randn(C, 3 * C) * 0.02).requires_grad_()
    b_attn = torch.zeros(3 * C, requires_grad=True)
    w_proj = (torch.randn(C, C) * 0.02).requires_grad_()
    b_proj = torch.zeros(C, requires_grad=True)
    x = torch.randn(B, T, C)
    mask = torch.triu(torch.ones(T, T, dtype=torch.bool), 1)
    def fwd():
        q, k, v = (x @ w_attn + b_attn).split(C, dim=2)
        q = q.view(B, T, H, C // H).transpose(1, 2)  # (B, nh, T, hs)
        k = k.view(B, T, H, C // H).transpose(1, 2)
        v = v.view(B, T, H, C // H).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(C // H))
        att = att.masked_fill(mask, -1e9).softmax(dim=-1)
        y = (att @ v).transpose(1, 2).reshape(B, T, C)
        return y @ w_proj + b_proj
    def inference():
        with torch.no_grad():
            fwd()
    def train():
        fwd().sum().backward()
    out.append([median(inference, 9), median(train, 7)])
print(json.dumps(out))
`;

async function attentionRows(): Promise<(string | number)[][]> {
  const torch = findTorch();
  const torchMs: number[][] | null = torch ? runTorch<number[][]>(torchAttentionScript, cases, 1) : null;
  const rows: (string | number)[][] = [];
  for (const [i, c] of cases.entries()) {
    const mha = new MultiHeadAttention({ dModel: c.C, nHead: c.H, causal: true, rng: new Rng(0) });
    const x = randn([c.B, c.T, c.C], { seed: 1 });
    const opts = { warmup: 2, repeats: 7, maxTotalMs: 10_000 };
    const forward = await measure(() => noGrad(() => mha.forward(x).output.dataSync()), opts);
    const train = await measure(() => {
      mha.zeroGrad();
      mha.forward(x).output.sum().backward();
    }, opts);
    const t = torchMs?.[i];
    rows.push([
      `B=${c.B} T=${c.T} C=${c.C} heads=${c.H}`,
      fmt(forward.medianMs),
      t ? fmt(t[0]) : 'n/a',
      t ? `${fmt(forward.medianMs / t[0], 1)}x` : 'n/a',
      fmt(train.medianMs),
      t ? fmt(t[1]) : 'n/a',
      t ? `${fmt(train.medianMs / t[1], 1)}x` : 'n/a',
    ]);
  }
  return rows;
}

/** ms per generated token for a 4-block causal stack: with a KV cache vs recomputing the whole prefix. */
async function cacheRows(): Promise<(string | number)[][]> {
  const C = 128;
  const blocks = [0, 1, 2, 3].map((i) => new TransformerEncoderBlock({ dModel: C, nHead: 4, causal: true, rng: new Rng(i) }));
  for (const b of blocks) b.eval();
  const stack = (h: Tensor, cache?: KVCache): Tensor =>
    blocks.reduce((acc, block, i) => block.forward(acc, { cache: cache?.layer(i) }), h);
  const rows: (string | number)[][] = [];
  for (const [prompt, generated] of [
    [16, 32],
    [64, 64],
  ]) {
    const total = prompt + generated;
    const x = randn([1, total, C], { seed: 2 }); // stand-in for embedded tokens
    const cached = await measure(
      () =>
        noGrad(() => {
          const cache = new KVCache();
          stack(x.slice(1, 0, prompt), cache);
          for (let t = prompt; t < total; t++) stack(x.slice(1, t, t + 1), cache).dataSync();
        }),
      { warmup: 1, repeats: 3, maxTotalMs: 15_000 },
    );
    const full = await measure(
      () =>
        noGrad(() => {
          for (let t = prompt; t < total; t++) stack(x.slice(1, 0, t + 1)).dataSync();
        }),
      { warmup: 1, repeats: 3, maxTotalMs: 15_000 },
    );
    rows.push([
      `${prompt} + ${generated}`,
      fmt(cached.medianMs / generated),
      fmt(full.medianMs / generated),
      `${fmt(full.medianMs / cached.medianMs, 1)}x`,
    ]);
  }
  return rows;
}

export const layersSuite: Suite = {
  name: 'layers',
  title: '@attn/layers: attention and KV cache',
  async run() {
    const torch = findTorch();
    const attn = table(
      ['causal self-attention', 'forward ms', 'torch ms', 'ratio', 'fwd+bwd ms', 'torch ms', 'ratio'],
      await attentionRows(),
    );
    const cache = table(['prompt + generated tokens', 'KV cache ms/token', 'recompute ms/token', 'speed-up'], await cacheRows());
    return [
      'MultiHeadAttention (fused c_attn, causal, float32) on the default CPU backend, against the same',
      `ops in PyTorch ${torch ? `${torch.version} ` : "(not installed) "}on one thread; ratio = ours / torch (lower is better).`,
      '',
      attn,
      '',
      'Incremental decoding with a 4-block causal pre-norm stack (C=128, 4 heads): per generated token, the KV cache',
      'runs only the new position through the blocks; without it the whole prefix is recomputed.',
      '',
      cache,
    ].join('\n');
  },
};
