// Hook points: names, values checked against relations computed by hand from the
// block's own parameters, replacement (ablation), filters and read-only points.
import { fromArray, layerNorm, randn, Rng, type Tensor, zeros } from '@attn/tensor';
import { describe, expect, it } from 'vitest';
import { captureActivations, TransformerDecoderBlock, TransformerEncoderBlock, withHooks } from '../src/index.js';

const C = 8;
const nHead = 2;
const hs = C / nHead;

function block(): TransformerEncoderBlock {
  return new TransformerEncoderBlock({ dModel: C, nHead, causal: true, dtype: 'float64', rng: new Rng(3) }).eval();
}

function close(a: Tensor, b: Tensor, tol = 1e-12): void {
  expect(a.shape).toEqual(b.shape);
  const x = a.dataSync();
  const y = b.dataSync();
  let worst = 0;
  for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]));
  expect(worst).toBeLessThan(tol);
}

describe('hook points', () => {
  it('names every activation of a block by its path and local name', () => {
    const b = block();
    const x = randn([1, 5, C], { dtype: 'float64', rng: new Rng(1) });
    const { activations } = captureActivations(b, () => b.forward(x));
    expect([...activations.keys()].sort()).toEqual(
      [
        'hook_resid_pre',
        'ln_1.hook_normalized',
        'attn.hook_q',
        'attn.hook_k',
        'attn.hook_v',
        'attn.hook_attn_scores',
        'attn.hook_pattern',
        'attn.hook_z',
        'hook_attn_out',
        'hook_resid_mid',
        'ln_2.hook_normalized',
        'mlp.hook_pre',
        'mlp.hook_post',
        'hook_mlp_out',
        'hook_resid_post',
      ].sort(),
    );
  });

  it('records the values the forward pass computes', () => {
    const b = block();
    const x = randn([2, 4, C], { dtype: 'float64', rng: new Rng(2) });
    const { result, activations } = captureActivations(b, () => b.forwardWithWeights(x));
    const a = (name: string) => activations.get(name)!;
    // The residual stream: pre + attn_out = mid, mid + mlp_out = post = the block's output.
    close(a('hook_resid_pre'), x);
    close(a('hook_resid_pre').add(a('hook_attn_out')), a('hook_resid_mid'));
    close(a('hook_resid_mid').add(a('hook_mlp_out')), a('hook_resid_post'));
    close(a('hook_resid_post'), result.output);
    close(a('attn.hook_pattern'), result.weights);
    // q of head 1 by hand: LayerNorm(x) @ W_Q[:, hs:2hs] + b_Q[hs:2hs].
    const params = b.stateDict();
    const normed = layerNorm(x, params['ln_1.weight'], params['ln_1.bias'], 1e-5);
    close(normed, a('ln_1.hook_normalized'));
    const wq = params['attn.c_attn.weight'].slice(1, hs, 2 * hs); // (C, hs)
    const bq = params['attn.c_attn.bias'].slice(0, hs, 2 * hs); // (hs)
    const qHead1 = normed.matmul(wq).add(bq); // (B, T, hs)
    close(a('attn.hook_q').slice(1, 1, 2).reshape([2, 4, hs]), qHead1);
    // Rows of the pattern sum to 1, and the scores are scaled by 1/sqrt(hs) before masking.
    for (const s of a('attn.hook_pattern').sum(-1).dataSync()) expect(s).toBeCloseTo(1, 12);
    const scores = a('attn.hook_q').matmul(a('attn.hook_k'), { transB: true }).mul(1 / Math.sqrt(hs));
    expect(a('attn.hook_attn_scores').dataSync()[1]).toBe(-1e9); // query 0 may not see key 1
    expect(a('attn.hook_attn_scores').dataSync()[4]).toBeCloseTo(scores.dataSync()[4], 12); // query 1, key 0
  });

  it('lets a hook replace an activation (zero-ablating heads)', () => {
    const b = block();
    const x = randn([1, 3, C], { dtype: 'float64', rng: new Rng(4) });
    const plain = b.forward(x);
    const ablated = withHooks(
      b,
      (_name, z) => z.mul(fromArray([0, 1], [1, nHead, 1, 1], { dtype: 'float64' })), // (B, nh, T, hs) times 0 on head 0
      () => b.forward(x),
      (name) => name === 'attn.hook_z',
    );
    expect(ablated.shape).toEqual(plain.shape);
    expect(ablated.sub(plain).pow(2).sum().itemSync()).toBeGreaterThan(1e-9);
    // Zeroing both heads leaves only c_proj's bias from attention: attn_out equals that bias everywhere.
    const { activations } = captureActivations(b, () =>
      withHooks(
        b,
        (_n, z) => z.mul(0),
        () => b.forward(x),
        (name) => name === 'attn.hook_z',
      ),
    );
    const bias = b.stateDict()['attn.c_proj.bias'];
    close(activations.get('hook_attn_out')!, bias.reshape([1, 1, C]).add(zeros([1, 3, C], { dtype: 'float64' })));
  });

  it('refuses a replacement of the wrong shape, and of a read-only point', () => {
    const b = block();
    const x = randn([1, 3, C], { dtype: 'float64', rng: new Rng(5) });
    expect(() =>
      withHooks(
        b,
        () => zeros([1], { dtype: 'float64' }),
        () => b.forward(x),
        (n) => n === 'hook_resid_mid',
      ),
    ).toThrow(/hook hook_resid_mid: a replacement must have shape \[1, 3, 8\], got \[1\]/);
    expect(() =>
      withHooks(
        b,
        (_n, p) => p.mul(2),
        () => b.forward(x),
        (n) => n === 'attn.hook_pattern',
      ),
    ).toThrow(/hook attn.hook_pattern: this activation can be read but not replaced/);
  });

  it('sees only the filtered names, and nothing outside a hooks scope', () => {
    const b = block();
    const x = randn([1, 2, C], { dtype: 'float64', rng: new Rng(6) });
    const seen: string[] = [];
    withHooks(
      b,
      (name) => {
        seen.push(name);
        return undefined;
      },
      () => b.forward(x),
      (name) => name.endsWith('hook_pattern'),
    );
    expect(seen).toEqual(['attn.hook_pattern']);
    seen.length = 0;
    b.forward(x);
    expect(seen).toEqual([]);
  });

  it('names a decoder block’s cross-attention by its path', () => {
    const d = new TransformerDecoderBlock({ dModel: C, nHead, dtype: 'float64', rng: new Rng(7) }).eval();
    const x = randn([1, 3, C], { dtype: 'float64', rng: new Rng(8) });
    const context = randn([1, 5, C], { dtype: 'float64', rng: new Rng(9) });
    const { result, activations } = captureActivations(d, () => d.forwardWithWeights(x, { context }));
    close(activations.get('crossattention.hook_pattern')!, result.crossWeights);
    expect(activations.get('crossattention.hook_pattern')!.shape).toEqual([1, nHead, 3, 5]);
    close(activations.get('hook_resid_mid')!.add(activations.get('hook_cross_attn_out')!), activations.get('hook_resid_mid_cross')!);
  });
});
