// PyTorch as a peer for the wasm suite, run as `python3 -c <script>` so the
// bench has no Python files to find. Debian's python3-torch uses OpenBLAS; the
// lead's shell exports OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE for other tools, and
// those are removed only in this subprocess's environment so OpenBLAS picks its
// own tuned kernels for this CPU.
import { spawnSync } from 'node:child_process';

export interface TorchInfo {
  /** The interpreter that imported torch. */
  python: string;
  version: string;
  /** torch.get_num_threads() before the script changed it. */
  defaultThreads: number;
  /** The BLAS library torch loaded (OpenBLAS, or Debian's slow reference libblas). */
  blas: string;
  /**
   * Whether that is Debian's reference BLAS (libblas3, plain loops): then
   * PyTorch's matmul runs several times slower than with OpenBLAS and is no
   * fair peer (Debian: apt install libopenblas0-pthread).
   */
  referenceBlas: boolean;
}

/**
 * Environment for the torch subprocess: ours minus the OpenBLAS overrides, and
 * with `threads` pinned for both torch's OpenMP pool and OpenBLAS's own
 *  pthread pool (Debian's OpenBLAS ignores torch.set_num_threads), OpenMP waiting passively.
 */
function torchEnv(threads?: number): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  if (threads !== undefined) {
    env.OMP_NUM_THREADS = String(threads);
    env.OPENBLAS_NUM_THREADS = String(threads);
    // torch's OpenMP threads spin after each parallel region by default, while OpenBLAS's own
    // pthreads need the same two cores: on 2 threads the step then ran at 37-67 ms from run to
    // run (slower than 1 thread in some); with passive waiting it held at 36-37 ms.
    env.OMP_WAIT_POLICY = 'PASSIVE';
  }
  return env;
}

let found: TorchInfo | null | undefined;

// Version, default threads, and which BLAS shared object got mapped (after one matmul loads it).
const probeScript = `
import json, os, torch
torch.ones(64, 64) @ torch.ones(64, 64)
libs = sorted({l.split()[-1] for l in open('/proc/self/maps') if 'blas' in l.lower() and '.so' in l})
print(json.dumps([torch.__version__, torch.get_num_threads(), ', '.join(os.path.relpath(l, '/usr/lib') for l in libs) or 'unknown']))
`;

/** Finds a python3 that can import torch (pyenv's first, then Debian's), or null. */
export function findTorch(): TorchInfo | null {
  if (found !== undefined) return found;
  found = null;
  for (const python of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(
      python,
      ['-c', probeScript],
      { encoding: 'utf8', env: torchEnv(), timeout: 60_000 },
    );
    if (r.status === 0) {
      const [version, defaultThreads, blas] = JSON.parse(r.stdout.trim().split('\n').pop() ?? '[]');
      found = { python, version, defaultThreads, blas, referenceBlas: !/openblas|mkl|blis|atlas/i.test(blas) };
      break;
    }
  }
  return found;
}

/**
 * Runs a Python script (argv[1] = JSON args, argv[2] = thread count) under the
 * torch interpreter on `threads` threads and parses its last stdout line as JSON.
 */
export function runTorch<T>(script: string, args: unknown, threads: number): T {
  const info = findTorch();
  if (!info) throw new Error('torch is not installed');
  const r = spawnSync(info.python, ['-c', script, JSON.stringify(args), String(threads)], {
    encoding: 'utf8',
    env: torchEnv(threads),
    timeout: 300_000,
  });
  if (r.status !== 0) throw new Error(`torch script failed: ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? 'null') as T;
}

/** Median seconds of `a @ b` for each size: { "512": s, ... }. */
export const torchMatmulScript = `
import json, sys, time, torch
sizes = json.loads(sys.argv[1])
torch.set_num_threads(int(sys.argv[2]))
torch.manual_seed(0)
res = {}
for n in sizes:
    a = torch.randn(n, n)
    b = torch.randn(n, n)
    for _ in range(3):
        a @ b
    reps = max(5, min(50, int(4e9 / (2 * n ** 3))))
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - t0)
    times.sort()
    res[str(n)] = times[len(times) // 2]
print(json.dumps(res))
`;

/**
 * Median seconds of one nanoGPT training step (forward, cross-entropy,
 * backward, AdamW). The model is
 * nanoGPT's: token + position embeddings, pre-norm blocks with causal
 * self-attention and a 4x GELU MLP, final layer norm, tied output head.
 */
export const torchGptStepScript = `
import json, math, sys, time, torch
import torch.nn as nn
import torch.nn.functional as F
cfg = json.loads(sys.argv[1])
V, T, C, L, H, B = cfg['vocab'], cfg['block'], cfg['width'], cfg['layers'], cfg['heads'], cfg['batch']
torch.manual_seed(0)

class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln1 = nn.LayerNorm(C)
        self.attn = nn.Linear(C, 3 * C)
        self.proj = nn.Linear(C, C)
        self.ln2 = nn.LayerNorm(C)
        self.fc = nn.Linear(C, 4 * C)
        self.fc_proj = nn.Linear(4 * C, C)
        self.register_buffer('mask', torch.tril(torch.ones(T, T)).view(1, 1, T, T))
    def forward(self, x):
        b, t, c = x.shape
        q, k, v = self.attn(self.ln1(x)).split(C, dim=2)
        q = q.view(b, t, H, c // H).transpose(1, 2)  # (B, nh, T, hs)
        k = k.view(b, t, H, c // H).transpose(1, 2)
        v = v.view(b, t, H, c // H).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(self.mask[:, :, :t, :t] == 0, float('-inf')).softmax(dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(b, t, c)
        x = x + self.proj(y)
        return x + self.fc_proj(F.gelu(self.fc(self.ln2(x)), approximate='tanh'))

class GPT(nn.Module):
    def __init__(self):
        super().__init__()
        self.wte = nn.Embedding(V, C)
        self.wpe = nn.Embedding(T, C)
        self.blocks = nn.ModuleList([Block() for _ in range(L)])
        self.ln_f = nn.LayerNorm(C)
    def forward(self, idx, targets):
        x = self.wte(idx) + self.wpe(torch.arange(idx.shape[1]))
        for blk in self.blocks:
            x = blk(x)
        logits = self.ln_f(x) @ self.wte.weight.t()  # tied head
        return F.cross_entropy(logits.view(-1, V), targets.view(-1))

torch.set_num_threads(int(sys.argv[2]))
model = GPT()
opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
idx = torch.randint(0, V, (B, T))
tgt = torch.randint(0, V, (B, T))
times = []
for step in range(cfg['warmup'] + cfg['repeats']):
    t0 = time.perf_counter()
    loss = model(idx, tgt)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    if step >= cfg['warmup']:
        times.append(time.perf_counter() - t0)
times.sort()
print(json.dumps(times[len(times) // 2]))
`;
