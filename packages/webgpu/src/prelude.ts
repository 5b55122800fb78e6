// WGSL shared by the kernels: the parameter block, the entry points of flat
// kernels (one invocation per element) and row kernels (see rowPlan), the
// strided index walk, and f32 math WGSL lacks (erf).

import { MAX_WORKGROUPS_PER_DIM } from './dispatcher.js';

/**
 * Binding 0 holds the dispatch's parameters (see params.ts) as 16 vec4<u32>
 * (uniform arrays need a 16-byte stride): u(i) is word i, f(i) the float whose
 * bits it holds. `workgroup_index` numbers workgroups across a 2-D grid
 * (x * y, since one dimension holds at most 65535 workgroups).
 */
export const PRELUDE = /* wgsl */ `
struct Params { w: array<vec4<u32>, 16> }
@group(0) @binding(0) var<uniform> params: Params;
fn u(i: u32) -> u32 { return params.w[i >> 2u][i & 3u]; }
fn f(i: u32) -> f32 { return bitcast<f32>(u(i)); }
fn workgroup_index(wid: vec3<u32>, nwg: vec3<u32>) -> u32 { return wid.y * nwg.x + wid.x; }
`;

/** Invocations per workgroup of the flat (one invocation per element) kernels. */
export const FLAT_WORKGROUP = 256;

/** Entry point header of a flat kernel: `i` is the element; word 0 of the parameters is the element count. */
export const FLAT_MAIN = /* wgsl */ `
@compute @workgroup_size(${FLAT_WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = workgroup_index(wid, nwg) * ${FLAT_WORKGROUP}u + lid;
  if (i >= u(0u)) { return; }
`;

/**
 * Workgroups for `count` units of work in groups of `perGroup`, as (x, y, 1)
 * with x at most 65535 (kernels recombine them with workgroup_index).
 */
export function grid(count: number, perGroup = 1): [number, number, number] {
  const groups = Math.max(1, Math.ceil(count / perGroup));
  if (groups <= MAX_WORKGROUPS_PER_DIM) return [groups, 1, 1];
  const y = Math.ceil(groups / MAX_WORKGROUPS_PER_DIM);
  return [Math.ceil(groups / y), y, 1];
}

/** Declares storage buffers from binding 1 on: `read` inputs first, then `write` outputs. */
export function buffers(inputs: readonly string[], outputs: readonly string[], types: Record<string, string> = {}): string {
  const decl = (name: string, binding: number, access: string) =>
    `@group(0) @binding(${binding}) var<storage, ${access}> ${name}: array<${types[name] ?? 'f32'}>;`;
  return [...inputs.map((n, i) => decl(n, i + 1, 'read')), ...outputs.map((n, i) => decl(n, inputs.length + i + 1, 'read_write'))].join('\n');
}

/**
 * WGSL walking a strided index: `rem` (a flat index into a row-major shape of
 * `nd` dims whose sizes are the parameter words from shapeAt) is unravelled
 * from the last dim, and each coordinate times the strides at the words in
 * `strideAts` is added to the matching variable of `targets`. The loop is
 * unrolled for the rank (part of the pipeline key): constant word indices let
 * the compiler address the parameters directly instead of looping over them.
 */
export function unravel(nd: number, shapeAt: number, strideAts: readonly number[], targets: readonly string[]): string {
  const lines: string[] = [];
  for (let d = nd - 1; d >= 0; d--) {
    const q = d === 0 ? 'rem' : `rem % u(${shapeAt + d}u)`;
    const adds = strideAts.map((at, j) => `${targets[j]} += q${d} * u(${at + d}u);`).join(' ');
    lines.push(`  { let q${d} = ${q};${d === 0 ? '' : ` rem = rem / u(${shapeAt + d}u);`} ${adds} }`);
  }
  return `\n${lines.join('\n')}`;
}

/** f32 helpers: erf (Abramowitz & Stegun 7.1.26, |error| < 1.5e-7), and tanh kept finite for large |x|. */
export const MATH = /* wgsl */ `
fn erf_approx(x: f32) -> f32 {
  let z = abs(x);
  let t = 1.0 / (1.0 + 0.3275911 * z);
  let poly = ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t;
  return sign(x) * (1.0 - poly * exp(-z * z));
}
fn tanh_safe(x: f32) -> f32 { return tanh(clamp(x, -10.0, 10.0)); }
const SQRT_2_OVER_PI: f32 = 0.7978845608028654;
const GELU_C: f32 = 0.044715;
const INV_SQRT2: f32 = 0.7071067811865476;
const INV_SQRT_2PI: f32 = 0.3989422804014327;
`;

/**
 * Row kernels (softmax, layer norm, cross-entropy, long sums) come in two
 * size classes, chosen by row length (see rowPlan):
 * - short rows (up to 256: attention rows, model widths, small vocabularies):
 *   one invocation per row walks it alone. No workgroup memory, no barriers,
 *   and a model has thousands of such rows to spread over the GPU;
 * - long rows (a large vocabulary's logits): a workgroup of 64 or 256
 *   invocations strides over each row and combines partial results with tree
 *   reductions in workgroup memory.
 * A kernel body is written once for both: it strides `for (var r = lid; r <
 * length; r += WG)` and combines with reduce_sum / reduce_max (identities when
 * WG is 1), and writes per-row results where `lid == 0u`. Call the reductions
 * from uniform control flow only (they contain barriers).
 */
export interface RowPlan {
  /** Invocations per row: 1, 64 or 256 (part of the pipeline key). */
  wg: number;
  /** WGSL: WG, reduce_sum, reduce_max, LOWEST, and the entry point header defining `row` and `lid`. */
  header: string;
  /** Workgroups for `rows` rows. */
  grid: (rows: number) => [number, number, number];
}

/** Invocations per workgroup when each invocation owns a row. */
const ROWS_PER_WORKGROUP = 64;

export function rowPlan(length: number): RowPlan {
  const lowest = '// The most negative finite f32: the start of a max (a WGSL constant cannot be -inf).\nconst LOWEST: f32 = -3.4028234663852886e38;';
  if (length <= 256) {
    return {
      wg: 1,
      header: /* wgsl */ `
const WG: u32 = 1u;
fn reduce_sum(v: f32, lid: u32) -> f32 { return v; }
fn reduce_max(v: f32, lid: u32) -> f32 { return v; }
${lowest}
@compute @workgroup_size(${ROWS_PER_WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lane: u32) {
  let row = workgroup_index(wid, nwg) * ${ROWS_PER_WORKGROUP}u + lane;
  let lid = 0u;
  if (row >= u(0u)) { return; }
`,
      grid: (rows) => grid(rows, ROWS_PER_WORKGROUP),
    };
  }
  const wg = length >= 2048 ? 256 : 64;
  return {
    wg,
    header: /* wgsl */ `
const WG: u32 = ${wg}u;
var<workgroup> red: array<f32, ${wg}>;
fn reduce_sum(v: f32, lid: u32) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s >> 1u) {
    if (lid < s) { red[lid] = red[lid] + red[lid + s]; }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}
fn reduce_max(v: f32, lid: u32) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s >> 1u) {
    if (lid < s) { red[lid] = max(red[lid], red[lid + s]); }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}
${lowest}
@compute @workgroup_size(${wg})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = workgroup_index(wid, nwg);
  if (row >= u(0u)) { return; }
`,
    grid: (rows) => grid(rows),
  };
}
