// Fused causal attention (see "The FusedAttention kernel contract" in
// @attn/tensor's backend.ts), flash style: the (Tq, Tk) scores are never
// stored. The forward pass walks the keys of each query with an online
// softmax (a running max m, a running sum l of exp(s - m), and an output
// accumulator rescaled by exp(m_old - m_new) whenever m grows) and saves
// lse = m + log(l) per query. The backward pass recomputes P = exp(s - lse)
// in two passes: a dq pass over queries (which also stores D_i = dOut_i .
// out_i, a (heads, Tq) temporary), then a dk/dv pass over keys that reads
// D_i. Extra memory per head: lse and D, O(Tq).
//
// Two strategies, as for MatMul (kernels/matmul.ts):
// - 'direct' (the default on software adapters): each invocation owns RB
//   query rows (forward, dq) or key rows (dk/dv) and walks KB keys (queries)
//   per step in RB x KB register blocks, reading q, k, v straight from the
//   buffers: no workgroup memory, no barriers. On SwiftShader workgroup
//   memory is ordinary memory and each barrier switches between invocations
//   in software, so this is the fast one there (the bench times both). Read
//   with the CPU reference in @attn/tensor (backends/cpu/attention.ts), which
//   does the same one row at a time.
// - 'tiled' (the default on GPUs): a workgroup of BR invocations owns BR
//   query rows (forward, dq) or key rows (dk/dv). It walks blocks of BC keys
//   (resp. queries), staging them through workgroup memory: the scores of
//   the block come from DK-wide slabs of q and k (and dOut and v for dP),
//   then the block's values are staged once and shared by all BR rows. Each
//   invocation keeps its row's block of scores and its accumulator in
//   registers.
//
// Column chunks: an invocation accumulates at most C output columns (C =
// 16, 32 or 64, the size class, from the head width). Wider heads are split
// into ceil(width / C) chunks, each an invocation (or workgroup) of its own
// that recomputes the scores: the pipelines depend on the size class only,
// and the registers an invocation needs stay bounded.
import type { FusedAttentionAttrs, KernelInput, KernelTable } from '@attn/tensor';
import type { KernelContext } from '../context.js';
import { WebGPUBackendError } from '../errors.js';
import { Params } from '../params.js';
import { buffers, grid } from '../prelude.js';

/** How the attention kernels walk keys: straight from the buffers, or through workgroup memory. */
export type AttentionStrategy = 'tiled' | 'direct';

/** Invocations per workgroup of the direct kernels. */
const DIRECT_WORKGROUP = 64;
/**
 * Direct: rows an invocation owns (queries; keys for dk/dv), and keys (queries)
 * it walks per step. Measured on SwiftShader (forward + backward, (16, 4, 64, 32)
 * and (4, 4, 256, 32), taken in turn): 4 x 8 ran 1.3-1.5x faster than 4 x 4;
 * 8 x 8 was little faster than 4 x 8 and took up to 4x as long to compile.
 */
const RB = 4;
const KB = 8;
/** Tiled: rows a workgroup owns (one invocation each). */
const BR = 32;
/** Tiled: keys (forward, dq) or queries (dk/dv) per block walked. */
const BLOCK = { forward: 32, backward: 16 } as const;
/** Tiled: width of the q/k (dOut/v) slabs the scores are summed over. */
const DK = 16;

/** The size class for a head of `width` columns: columns an invocation accumulates. */
export function columnChunk(width: number): number {
  return width <= 16 ? 16 : width <= 32 ? 32 : 64;
}

/** Sizes of one call, from q (..., Tq, D), v (..., rows, Dv) and the attrs' kvLength. */
interface Dims {
  heads: number;
  tq: number;
  /** Keys that take part: the first kvLength rows of each head's k and v. */
  tk: number;
  /** Rows each head's k and v hold (>= tk: a preallocated KV cache holds more than it uses). */
  kr: number;
  d: number;
  dv: number;
}

function dimsOf(q: KernelInput, v: KernelInput, attrs: FusedAttentionAttrs): Dims {
  const n = q.shape.length;
  let heads = 1;
  for (let i = 0; i < n - 2; i++) heads *= q.shape[i];
  const kr = v.shape[n - 2];
  return { heads, tq: q.shape[n - 2], tk: attrs.kvLength, kr, d: q.shape[n - 1], dv: v.shape[n - 1] };
}

/**
 * The parameter block every attention kernel reads:
 * 0 heads, 1 tq, 2 tk, 3 d, 4 dv, 5 chunks, 6 causal, 7 scale (f32),
 * 8 row groups per head, 9 units (direct: invocations; tiled: workgroups),
 * 10 kr (rows per head of k and v: strides use kr, bounds and the causal offset use tk = kvLength).
 */
function attentionParams(dims: Dims, attrs: FusedAttentionAttrs, chunks: number, tiles: number, units: number): Params {
  return new Params()
    .u32(dims.heads)
    .u32(dims.tq)
    .u32(dims.tk)
    .u32(dims.d)
    .u32(dims.dv)
    .u32(chunks)
    .u32(attrs.causal ? 1 : 0)
    .f32(attrs.scale)
    .u32(tiles)
    .u32(units)
    .u32(dims.kr);
}

const SIZES = /* wgsl */ `
  let heads = u(0u);
  let tq = u(1u);
  let tk = u(2u);
  let kr = u(10u);
  let d = u(3u);
  let dv = u(4u);
  let chunks = u(5u);
  let causal = u(6u) != 0u;
  let scale = f(7u);`;

const LOWEST = '// The most negative finite f32 (a WGSL constant cannot be -inf): the running max before any key.\nconst LOWEST: f32 = -3.4028234663852886e38;';

/**
 * Direct kernels: `unit` numbers (group, chunk) pairs, chunk fastest; group
 * `group` of a head holds its rows r0 .. r0 + RB - 1 (queries, or keys for dk/dv).
 */
const DIRECT_MAIN = /* wgsl */ `
@compute @workgroup_size(${DIRECT_WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lane: u32) {
  let unit = workgroup_index(wid, nwg) * ${DIRECT_WORKGROUP}u + lane;
  if (unit >= u(9u)) { return; }
${SIZES}
  let groups = u(8u);
  let chunk = unit % chunks;
  let h = (unit / chunks) / groups;
  let r0 = ((unit / chunks) % groups) * ${RB}u;
  let c0 = chunk * C;`;

/** Tiled kernels: workgroup `g` numbers (tile, head, chunk) triples, tile fastest. */
const TILED_MAIN = /* wgsl */ `
@compute @workgroup_size(${BR})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let g = workgroup_index(wid, nwg);
  if (g >= u(9u)) { return; }
${SIZES}
  let tiles = u(8u);
  let tile = g % tiles;
  let h = (g / tiles) % heads;
  let chunk = g / tiles / heads;
  let c0 = chunk * C;`;

// ---------------------------------------------------------------- direct

const ROWS = Array.from({ length: RB }, (_, r) => r);
const STEPS = Array.from({ length: KB }, (_, x) => x);
/** WGSL lines, one per row of the invocation's block. */
const perRow = (line: (r: number) => string) => ROWS.map(line).join('\n');
/** WGSL lines, one per (row, step) pair of the block. */
const perPair = (line: (r: number, x: number) => string) => ROWS.flatMap((r) => STEPS.map((x) => line(r, x))).join('\n');

/**
 * WGSL: acc_r_x = sum over c < width of a[arow_r + c] * b[brow_x + c], the
 * RB x KB dot products of the block's rows with the step's rows (each load
 * feeds KB or RB multiply-adds).
 */
function blockDots(acc: string, a: string, arow: string, b: string, brow: string, width: string): string {
  return /* wgsl */ `
${perPair((r, x) => `    var ${acc}_${r}_${x} = 0.0;`)}
    for (var c = 0u; c < ${width}; c++) {
${perRow((r) => `      let a_${r} = ${a}[${arow}_${r} + c];`)}
${STEPS.map((x) => `      let b_${x} = ${b}[${brow}_${x} + c];`).join('\n')}
${perPair((r, x) => `      ${acc}_${r}_${x} = fma(a_${r}, b_${x}, ${acc}_${r}_${x});`)}
    }`;
}

/** WGSL: out_r[c] += sum_x weight_r_x * m[mrow_x + c] for c < count (the block's accumulators gain the step's rows). */
function accumulateRows(out: string, weight: string, m: string, mrow: string, count: string): string {
  return /* wgsl */ `
    for (var c = 0u; c < ${count}; c++) {
${STEPS.map((x) => `      let b_${x} = ${m}[${mrow}_${x} + c];`).join('\n')}
${perRow((r) => `      ${out}_${r}[c] = ${STEPS.map((x) => `fma(${weight}_${r}_${x}, b_${x}, `).join('')}${out}_${r}[c]${')'.repeat(KB)};`)}
    }`;
}

/**
 * The forward pass, RB query rows per invocation, KB keys per step, straight
 * from the buffers. Rows past Tq and keys past the end are read clamped (so
 * every load is in bounds) and masked.
 */
function directForward(c: number): string {
  return /* wgsl */ `${buffers(['q', 'k', 'v'], ['out', 'lse'])}
const C: u32 = ${c}u;
${LOWEST}
${DIRECT_MAIN}
  let cn = min(C, dv - c0);
  // Keys row r sees: [0, end_r) (all, or with causal the first i + 1 + tk - tq); the block walks up to its last row's.
${perRow((r) => `  let qrow_${r} = (h * tq + min(r0 + ${r}u, tq - 1u)) * d;`)}
${perRow((r) => `  var end_${r} = tk;`)}
  var kend = tk;
  if (causal) {
${perRow((r) => `    end_${r} = min(r0 + ${r}u + 1u + tk - tq, tk);`)}
    kend = min(r0 + ${RB - 1}u, tq - 1u) + 1u + tk - tq;
  }
${perRow((r) => `  var o_${r}: array<f32, C>;\n  var m_${r} = LOWEST;\n  var l_${r} = 0.0;`)}
  for (var j0 = 0u; j0 < kend; j0 += ${KB}u) {
${STEPS.map((x) => `    let krow_${x} = (h * kr + min(j0 + ${x}u, tk - 1u)) * d;\n    let vrow_${x} = (h * kr + min(j0 + ${x}u, tk - 1u)) * dv + c0;`).join('\n')}
${blockDots('s', 'q', 'qrow', 'k', 'krow', 'd')}
    // Online softmax: mask, fold the step's max into m (rescaling what was summed under the old max), weigh.
${perPair((r, x) => `    let t_${r}_${x} = select(LOWEST, s_${r}_${x} * scale, j0 + ${x}u < end_${r});`)}
${perRow(
  (r) => `    {
      let top = ${STEPS.slice(1).reduce((acc, x) => `max(${acc}, t_${r}_${x})`, `t_${r}_0`)};
      if (top > m_${r}) {
        let alpha = exp(m_${r} - top);
        l_${r} *= alpha;
        for (var c = 0u; c < cn; c++) { o_${r}[c] *= alpha; }
        m_${r} = top;
      }
    }`,
)}
${perPair((r, x) => `    let p_${r}_${x} = exp(t_${r}_${x} - m_${r});`)}
${perRow((r) => `    l_${r} += ${STEPS.map((x) => `p_${r}_${x}`).join(' + ')};`)}
${accumulateRows('o', 'p', 'v', 'vrow', 'cn')}
  }
${perRow(
  (r) => `  if (r0 + ${r}u < tq) {
    let row = h * tq + r0 + ${r}u;
    let inv = 1.0 / l_${r};
    for (var c = 0u; c < cn; c++) { out[row * dv + c0 + c] = o_${r}[c] * inv; }
    if (chunk == 0u) { lse[row] = m_${r} + log(l_${r}); }
  }`,
)}
}`;
}

/**
 * dq_i = scale sum_j P_ij (dOut_i . v_j - D_i) k_j, RB query rows per
 * invocation and KB keys per step, with P recomputed from lse; also stores
 * D_i = dOut_i . out_i for the dk/dv pass.
 */
function directGradQ(c: number): string {
  return /* wgsl */ `${buffers(['q', 'k', 'v', 'outs', 'lse', 'douts'], ['dq', 'dsum'])}
const C: u32 = ${c}u;
${DIRECT_MAIN}
  let cn = min(C, d - c0);
${perRow((r) => `  let row_${r} = h * tq + min(r0 + ${r}u, tq - 1u);\n  let qrow_${r} = row_${r} * d;\n  let grow_${r} = row_${r} * dv;`)}
${perRow((r) => `  var end_${r} = tk;`)}
  var kend = tk;
  if (causal) {
${perRow((r) => `    end_${r} = min(r0 + ${r}u + 1u + tk - tq, tk);`)}
    kend = min(r0 + ${RB - 1}u, tq - 1u) + 1u + tk - tq;
  }
${perRow((r) => `  var di_${r} = 0.0;\n  let li_${r} = lse[row_${r}];\n  var acc_${r}: array<f32, C>;`)}
  for (var c = 0u; c < dv; c++) {
${perRow((r) => `    di_${r} = fma(douts[grow_${r} + c], outs[grow_${r} + c], di_${r});`)}
  }
  if (chunk == 0u) {
${perRow((r) => `    if (r0 + ${r}u < tq) { dsum[row_${r}] = di_${r}; }`)}
  }
  for (var j0 = 0u; j0 < kend; j0 += ${KB}u) {
${STEPS.map((x) => `    let krow_${x} = (h * kr + min(j0 + ${x}u, tk - 1u)) * d;\n    let vrow_${x} = (h * kr + min(j0 + ${x}u, tk - 1u)) * dv;\n    let kcol_${x} = krow_${x} + c0;`).join('\n')}
${blockDots('s', 'q', 'qrow', 'k', 'krow', 'd')}
${blockDots('g', 'douts', 'grow', 'v', 'vrow', 'dv')}
    // dS = P (dP - D_i), zero where masked.
${perPair((r, x) => `    let ds_${r}_${x} = select(0.0, exp(s_${r}_${x} * scale - li_${r}) * (g_${r}_${x} - di_${r}), j0 + ${x}u < end_${r});`)}
${accumulateRows('acc', 'ds', 'k', 'kcol', 'cn')}
  }
${perRow((r) => `  if (r0 + ${r}u < tq) {\n    for (var c = 0u; c < cn; c++) { dq[qrow_${r} + c0 + c] = acc_${r}[c] * scale; }\n  }`)}
}`;
}

/**
 * dv_j = sum_i P_ij dOut_i and dk_j = scale sum_i P_ij (dOut_i . v_j - D_i) q_i,
 * RB key rows per invocation and KB queries per step, over the queries that
 * see the block's keys (chunks cover max(D, Dv) columns).
 */
function directGradKV(c: number): string {
  return /* wgsl */ `${buffers(['q', 'k', 'v', 'lse', 'douts', 'dsum'], ['dk', 'dvs'])}
const C: u32 = ${c}u;
${DIRECT_MAIN}
  let cnk = select(0u, min(C, d - c0), c0 < d);
  let cnv = select(0u, min(C, dv - c0), c0 < dv);
${perRow((r) => `  let j_${r} = r0 + ${r}u;\n  let krow_${r} = (h * kr + min(j_${r}, tk - 1u)) * d;\n  let vrow_${r} = (h * kr + min(j_${r}, tk - 1u)) * dv;`)}
  // Queries that see key j: all, or with causal those with i >= j - (tk - tq); the block starts at its first key's.
  var istart = 0u;
  if (causal && r0 + tq > tk) { istart = r0 + tq - tk; }
${perRow((r) => `  var ak_${r}: array<f32, C>;\n  var av_${r}: array<f32, C>;`)}
  for (var i0 = istart; i0 < tq; i0 += ${KB}u) {
${STEPS.map(
  (x) => `    let i_${x} = i0 + ${x}u;
    let row_${x} = h * tq + min(i_${x}, tq - 1u);
    let qrow_${x} = row_${x} * d;
    let grow_${x} = row_${x} * dv;
    let qcol_${x} = qrow_${x} + c0;
    let gcol_${x} = grow_${x} + c0;
    let lse_${x} = lse[row_${x}];
    let dd_${x} = dsum[row_${x}];`,
).join('\n')}
${blockDots('s', 'k', 'krow', 'q', 'qrow', 'd')}
${blockDots('g', 'v', 'vrow', 'douts', 'grow', 'dv')}
${perPair((r, x) => `    let p_${r}_${x} = select(0.0, exp(s_${r}_${x} * scale - lse_${x}), i_${x} < tq && (!causal || j_${r} + tq <= i_${x} + tk));`)}
${perPair((r, x) => `    let ds_${r}_${x} = p_${r}_${x} * (g_${r}_${x} - dd_${x});`)}
${accumulateRows('av', 'p', 'douts', 'gcol', 'cnv')}
${accumulateRows('ak', 'ds', 'q', 'qcol', 'cnk')}
  }
${perRow(
  (r) => `  if (j_${r} < tk) {
    for (var c = 0u; c < cnk; c++) { dk[krow_${r} + c0 + c] = ak_${r}[c] * scale; }
    for (var c = 0u; c < cnv; c++) { dvs[vrow_${r} + c0 + c] = av_${r}[c]; }
  }`,
)}
}`;
}

// ---------------------------------------------------------------- tiled

/**
 * WGSL summing, for the invocation's own row `own` (of the BR-row tile whose
 * first row is `own0` in matrix `a`) and each of the `block` rows of matrix
 * `b` from `b0`, the dot products over `width` columns into `acc`
 * (acc[x] += a_own . b_(b0 + x)), through DK-wide slabs in workgroup memory.
 * `a_rows` and `b_rows` bound the valid rows (zeros past them). Must run in
 * uniform control flow (barriers).
 */
function slabDots(a: string, own0: string, aRows: string, b: string, b0: string, bRows: string, width: string, block: number, acc: string): string {
  return /* wgsl */ `
    for (var d0 = 0u; d0 < ${width}; d0 += DK) {
      for (var e = lid; e < ${BR}u * DK; e += ${BR}u) {
        let r = e / DK;
        let col = d0 + e % DK;
        var x = 0.0;
        if (${own0} + r < ${aRows} && col < ${width}) { x = ${a}[(${own0} + r) * ${width} + col]; }
        own_slab[r * (DK + 1u) + e % DK] = x;
      }
      for (var e = lid; e < ${block}u * DK; e += ${BR}u) {
        let r = e / DK;
        let col = d0 + e % DK;
        var x = 0.0;
        if (${b0} + r < ${bRows} && col < ${width}) { x = ${b}[(${b0} + r) * ${width} + col]; }
        block_slab[e] = x;
      }
      workgroupBarrier();
      for (var x = 0u; x < ${block}u; x++) {
        var t = ${acc}[x];
        for (var kk = 0u; kk < DK; kk++) { t = fma(own_slab[lid * (DK + 1u) + kk], block_slab[x * DK + kk], t); }
        ${acc}[x] = t;
      }
      workgroupBarrier();
    }`;
}

/**
 * WGSL staging columns [c0, c0 + C) of `block` rows of `m` (width `width`,
 * rows from `r0`, valid below `rows`) into `block_cols`, then acc[c] += sum_x
 * weight[x] * block_cols[x][c]. Uniform control flow (barriers).
 */
function blockColumns(m: string, r0: string, rows: string, width: string, block: number, weight: string, acc: string): string {
  return /* wgsl */ `
    for (var e = lid; e < ${block}u * C; e += ${BR}u) {
      let r = e / C;
      let col = c0 + e % C;
      var x = 0.0;
      if (${r0} + r < ${rows} && col < ${width}) { x = ${m}[(${r0} + r) * ${width} + col]; }
      block_cols[e] = x;
    }
    workgroupBarrier();
    for (var x = 0u; x < ${block}u; x++) {
      let w = ${weight}[x];
      for (var c = 0u; c < C; c++) { ${acc}[c] = fma(w, block_cols[x * C + c], ${acc}[c]); }
    }
    workgroupBarrier();`;
}

/** Workgroup memory of the tiled kernels: a slab of the tile's own rows (padded against bank conflicts), one of the block's, and C columns of the block. */
function tiledMemory(c: number, block: number): string {
  return /* wgsl */ `
const C: u32 = ${c}u;
const DK: u32 = ${DK}u;
var<workgroup> own_slab: array<f32, ${BR * (DK + 1)}>;
var<workgroup> block_slab: array<f32, ${block * DK}>;
var<workgroup> block_cols: array<f32, ${block * c}>;
${LOWEST}`;
}

function tiledForward(c: number): string {
  const bc = BLOCK.forward;
  return /* wgsl */ `${buffers(['q', 'k', 'v'], ['out', 'lse'])}
${tiledMemory(c, bc)}
${TILED_MAIN}
  let i0 = tile * ${BR}u;
  let i = i0 + lid;
  let live = i < tq;
  // Keys the tile walks (up to the last row's), and those this row sees.
  let last = min(i0 + ${BR}u, tq) - 1u;
  var kend = tk;
  var own_end = tk;
  if (causal) {
    kend = last + 1u + tk - tq;
    own_end = i + 1u + tk - tq;
  }
  var o: array<f32, C>;
  var s: array<f32, ${bc}>;
  var m = LOWEST;
  var l = 0.0;
  for (var j0 = 0u; j0 < kend; j0 += ${bc}u) {
    for (var x = 0u; x < ${bc}u; x++) { s[x] = 0.0; }
    ${slabDots('q', `h * tq + i0`, 'h * tq + tq', 'k', 'h * kr + j0', 'h * kr + tk', 'd', bc, 's')}
    // Online softmax over the block: mask, fold the block's max into m, rescale.
    var bm = LOWEST;
    for (var x = 0u; x < ${bc}u; x++) {
      let seen = live && j0 + x < own_end;
      s[x] = select(LOWEST, s[x] * scale, seen);
      bm = max(bm, s[x]);
    }
    let mn = max(m, bm);
    let alpha = exp(m - mn);
    var sum = 0.0;
    for (var x = 0u; x < ${bc}u; x++) {
      let p = select(0.0, exp(s[x] - mn), live && j0 + x < own_end);
      s[x] = p;
      sum += p;
    }
    l = l * alpha + sum;
    m = mn;
    for (var c = 0u; c < C; c++) { o[c] *= alpha; }
    ${blockColumns('v', 'h * kr + j0', 'h * kr + tk', 'dv', bc, 's', 'o')}
  }
  if (live) {
    let inv = 1.0 / l;
    let oi = (h * tq + i) * dv;
    for (var c = 0u; c < C; c++) {
      if (c0 + c < dv) { out[oi + c0 + c] = o[c] * inv; }
    }
    if (chunk == 0u) { lse[h * tq + i] = m + log(l); }
  }
}`;
}

function tiledGradQ(c: number): string {
  const bc = BLOCK.backward;
  return /* wgsl */ `${buffers(['q', 'k', 'v', 'outs', 'lse', 'douts'], ['dq', 'dsum'])}
${tiledMemory(c, bc)}
${TILED_MAIN}
  let i0 = tile * ${BR}u;
  let i = i0 + lid;
  let live = i < tq;
  let row = h * tq + min(i, tq - 1u);
  let last = min(i0 + ${BR}u, tq) - 1u;
  var kend = tk;
  var own_end = tk;
  if (causal) {
    kend = last + 1u + tk - tq;
    own_end = i + 1u + tk - tq;
  }
  var di = 0.0;
  for (var c = 0u; c < dv; c++) { di = fma(douts[row * dv + c], outs[row * dv + c], di); }
  if (live && chunk == 0u) { dsum[row] = di; }
  let li = lse[row];
  var acc: array<f32, C>;
  var s: array<f32, ${bc}>;
  var dp: array<f32, ${bc}>;
  for (var j0 = 0u; j0 < kend; j0 += ${bc}u) {
    for (var x = 0u; x < ${bc}u; x++) {
      s[x] = 0.0;
      dp[x] = 0.0;
    }
    ${slabDots('q', 'h * tq + i0', 'h * tq + tq', 'k', 'h * kr + j0', 'h * kr + tk', 'd', bc, 's')}
    ${slabDots('douts', 'h * tq + i0', 'h * tq + tq', 'v', 'h * kr + j0', 'h * kr + tk', 'dv', bc, 'dp')}
    // dS = P (dP - D_i), P recomputed from lse; s now holds dS.
    for (var x = 0u; x < ${bc}u; x++) {
      let p = select(0.0, exp(s[x] * scale - li), live && j0 + x < own_end);
      s[x] = p * (dp[x] - di);
    }
    ${blockColumns('k', 'h * kr + j0', 'h * kr + tk', 'd', bc, 's', 'acc')}
  }
  if (live) {
    for (var c = 0u; c < C; c++) {
      if (c0 + c < d) { dq[row * d + c0 + c] = acc[c] * scale; }
    }
  }
}`;
}

function tiledGradKV(c: number): string {
  const br = BLOCK.backward;
  return /* wgsl */ `${buffers(['q', 'k', 'v', 'lse', 'douts', 'dsum'], ['dk', 'dvs'])}
${tiledMemory(c, br)}
${TILED_MAIN}
  let j0 = tile * ${BR}u;
  let j = j0 + lid;
  let live = j < tk;
  // Queries the tile walks: from the first that sees its first key. Query i sees key j iff j + tq <= i + tk (causal).
  var istart = 0u;
  if (causal && j0 + tq > tk) { istart = j0 + tq - tk; }
  var ak: array<f32, C>;
  var av: array<f32, C>;
  var p: array<f32, ${br}>;
  var ds: array<f32, ${br}>;
  for (var i0 = istart; i0 < tq; i0 += ${br}u) {
    for (var x = 0u; x < ${br}u; x++) {
      p[x] = 0.0;
      ds[x] = 0.0;
    }
    // Scores and dP of the tile's keys (own rows) against the block's queries.
    ${slabDots('k', 'h * kr + j0', 'h * kr + tk', 'q', 'h * tq + i0', 'h * tq + tq', 'd', br, 'p')}
    ${slabDots('v', 'h * kr + j0', 'h * kr + tk', 'douts', 'h * tq + i0', 'h * tq + tq', 'dv', br, 'ds')}
    for (var x = 0u; x < ${br}u; x++) {
      let i = i0 + x;
      let qrow = h * tq + min(i, tq - 1u);
      let seen = live && i < tq && (!causal || j + tq <= i + tk);
      let px = select(0.0, exp(p[x] * scale - lse[qrow]), seen);
      p[x] = px;
      ds[x] = px * (ds[x] - dsum[qrow]);
    }
    ${blockColumns('douts', 'h * tq + i0', 'h * tq + tq', 'dv', br, 'p', 'av')}
    ${blockColumns('q', 'h * tq + i0', 'h * tq + tq', 'd', br, 'ds', 'ak')}
  }
  if (live) {
    let row = h * kr + j;
    for (var c = 0u; c < C; c++) {
      if (c0 + c < d) { dk[row * d + c0 + c] = ak[c] * scale; }
      if (c0 + c < dv) { dvs[row * dv + c0 + c] = av[c]; }
    }
  }
}`;
}

// ---------------------------------------------------------------- kernels

const SOURCES: Record<AttentionStrategy, Record<'forward' | 'dq' | 'dkdv', (c: number) => string>> = {
  direct: { forward: directForward, dq: directGradQ, dkdv: directGradKV },
  tiled: { forward: tiledForward, dq: tiledGradQ, dkdv: tiledGradKV },
};

export function attentionKernels(ctx: KernelContext, strategy: AttentionStrategy): KernelTable {
  /** Records pass `pass` over `rows` rows per head, its chunks covering `width` columns. */
  const runPass = (
    name: string,
    pass: 'forward' | 'dq' | 'dkdv',
    dims: Dims,
    attrs: FusedAttentionAttrs,
    rows: number,
    width: number,
    bufs: GPUBuffer[],
  ) => {
    const c = columnChunk(width);
    const chunks = Math.ceil(width / c);
    // Row groups per head: of RB rows per invocation (direct) or BR per workgroup (tiled).
    const tiles = Math.ceil(rows / (strategy === 'direct' ? RB : BR));
    const units = tiles * dims.heads * chunks;
    const workgroups = strategy === 'direct' ? grid(units, DIRECT_WORKGROUP) : grid(units);
    if (workgroups[1] > 65535) throw new WebGPUBackendError(`webgpu: ${name} over ${units} ${strategy === 'direct' ? 'rows' : 'tiles'} exceeds one dispatch`);
    ctx.run(`${name}:${strategy}:c${c}`, () => SOURCES[strategy][pass](c), attentionParams(dims, attrs, chunks, tiles, units), bufs, workgroups);
  };

  return {
    FusedAttention: ([q, k, v], attrs) => {
      const dims = dimsOf(q, v, attrs);
      const out = ctx.alloc(dims.heads * dims.tq * dims.dv);
      const lse = ctx.alloc(dims.heads * dims.tq);
      if (dims.heads * dims.tq === 0) return [out, lse];
      runPass('FusedAttention', 'forward', dims, attrs, dims.tq, dims.dv, [ctx.buffer(q), ctx.buffer(k), ctx.buffer(v), out.buffer, lse.buffer]);
      return [out, lse];
    },

    FusedAttentionGrad: ([q, k, v, out, lse, dOut], attrs) => {
      const dims = dimsOf(q, v, attrs);
      const { heads, tq, tk, kr, d, dv } = dims;
      const dq = ctx.alloc(heads * tq * d);
      const dk = ctx.alloc(heads * kr * d);
      const dV = ctx.alloc(heads * kr * dv);
      if (tk < kr) {
        // The dk/dv pass writes only the kvLength rows that take part; the others' gradient is 0.
        ctx.dispatcher.upload(dk.buffer, new Float32Array(heads * kr * d));
        ctx.dispatcher.upload(dV.buffer, new Float32Array(heads * kr * dv));
      }
      // (With Tq = 0 the dq pass has nothing to do and the dk/dv pass writes zeros: no query sees a key.)
      if (heads * tk === 0) return [dq, dk, dV];
      // D_i = dOut_i . out_i, written by the dq pass and read by the dk/dv pass: (heads, Tq), the one temporary.
      const dsum = ctx.pool.acquire(heads * tq * 4);
      try {
        const [bq, bk, bv, bl, bd] = [q, k, v, lse, dOut].map((t) => ctx.buffer(t));
        runPass('FusedAttentionGrad:dq', 'dq', dims, attrs, tq, d, [bq, bk, bv, ctx.buffer(out), bl, bd, dq.buffer, dsum]);
        runPass('FusedAttentionGrad:dkdv', 'dkdv', dims, attrs, tk, Math.max(d, dv), [bq, bk, bv, bl, bd, dsum, dk.buffer, dV.buffer]);
      } finally {
        // Commands run in recorded order: a later kernel may recycle the buffer safely.
        ctx.pool.release(dsum);
      }
      return [dq, dk, dV];
    },
  };
}
