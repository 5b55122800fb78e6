// One head of a trained GPT explained with its real numbers: for a sentence, a layer, a head
// and a query token, every step from the embeddings to the head's contribution to the
// residual stream. The steps are recomputed here in float64 from the model's weights and the
// residual stream entering the layer (read from the hook points), so what is shown is an
// independent calculation; the tests check it equals the forward pass (hook_q/k/v, the
// hooked pattern, hook_z and hook_attn_out).
import type { GPT } from '@attn/model';
import { noGrad, type Tensor, tidy } from '@attn/tensor';
import { type HostTensor, positionRow, readTensor, runWithCache } from './cache.js';
import { checkIds, checkIndex, fail } from './errors.js';
import { attendOnce, buildSteps, excerpt, type HeadExplanation, rowTimes, stepNames } from './explanation.js';
import { gptHooks } from './names.js';

export interface ExplainHeadOptions {
  layer: number;
  head: number;
  /** Position of the query token (default: the last token). */
  query?: number;
  /** One label per token, for display (default: the ids as text). */
  labels?: string[];
}

/** GPT-2's LayerNorm epsilon, as @attn/model's GPT uses it. */
const LAYER_NORM_EPS = 1e-5;

/** (x - mean) / sqrt(var + eps) * weight + bias, in float64 (biased variance, as PyTorch). */
export function layerNorm64(x: readonly number[], weight: ArrayLike<number>, bias: ArrayLike<number> | null, eps = LAYER_NORM_EPS): number[] {
  const n = x.length;
  const mean = x.reduce((a, b) => a + b, 0) / n;
  const variance = x.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
  const inv = 1 / Math.sqrt(variance + eps);
  return x.map((v, i) => (v - mean) * inv * weight[i] + (bias ? bias[i] : 0));
}

function matrixOf(data: Float32Array, rows: number, cols: number): number[][] {
  return Array.from({ length: rows }, (_, r) => Array.from(data.subarray(r * cols, (r + 1) * cols)));
}

/** Explains head `head` of layer `layer` for the query token of `ids`. */
export async function explainHead(model: GPT, ids: ArrayLike<number>, options: ExplainHeadOptions): Promise<HeadExplanation> {
  const fn = 'explainHead';
  const { nLayer, nHead, nEmbd: C } = model.config;
  const tokens = checkIds(fn, ids, model.vocabSize, model.blockSize);
  const T = tokens.length;
  const layer = checkIndex(fn, 'layer', options.layer, nLayer);
  const head = checkIndex(fn, 'head', options.head, nHead);
  const queryIndex = checkIndex(fn, 'query (a token position)', options.query ?? T - 1, T);
  const labels = options.labels ?? tokens.map(String);
  if (labels.length !== T) fail(fn, `labels has ${labels.length} entries for ${T} tokens`);
  const hs = C / nHead;

  // The residual stream entering the layer, and the embeddings it started from.
  const cache = runWithCache(model, tokens, { filter: [gptHooks.embed, gptHooks.posEmbed, gptHooks.residPre(layer)] });
  let tokEmb: HostTensor;
  let posEmb: HostTensor;
  let residPre: HostTensor;
  try {
    tokEmb = await cache.read(gptHooks.embed); // (1, T, C)
    posEmb = await cache.read(gptHooks.posEmbed); // (T, C)
    residPre = await cache.read(gptHooks.residPre(layer)); // (1, T, C)
  } finally {
    cache.dispose();
  }

  // This head's slices of the weights, cut on the device so only they are read back.
  const p = (name: string) => model.getParameter(`transformer.h.${layer}.${name}`);
  const hasBias = model.config.bias;
  const slices = tidy(() =>
    noGrad(() => {
      const cAttn = p('attn.c_attn.weight'); // (C, 3C): [W_Q | W_K | W_V], head h in columns h*hs..(h+1)*hs of each
      const cols = (t: Tensor, part: number) => t.slice(t.ndim - 1, part * C + head * hs, part * C + (head + 1) * hs);
      const out: Record<string, Tensor> = {
        wq: cols(cAttn, 0), // (C, hs)
        wk: cols(cAttn, 1), // (C, hs)
        wv: cols(cAttn, 2), // (C, hs)
        wo: p('attn.c_proj.weight').slice(0, head * hs, (head + 1) * hs), // (hs, C): the rows this head's output multiplies
        lnWeight: p('ln_1.weight').add(0), // (C)
      };
      if (hasBias) {
        const bAttn = p('attn.c_attn.bias'); // (3C)
        Object.assign(out, { bq: cols(bAttn, 0), bk: cols(bAttn, 1), bv: cols(bAttn, 2), lnBias: p('ln_1.bias').add(0) });
      }
      return out;
    }),
  );
  const host: Record<string, Float32Array> = {};
  try {
    for (const [name, t] of Object.entries(slices)) host[name] = (await readTensor(t)).data;
  } finally {
    for (const t of Object.values(slices)) t.dispose();
  }

  const wq = matrixOf(host.wq, C, hs);
  const wk = matrixOf(host.wk, C, hs);
  const wv = matrixOf(host.wv, C, hs);
  const wo = matrixOf(host.wo, hs, C);
  const tokenRows = tokens.map((_, i) => positionRow(tokEmb, i));
  const positionRows = tokens.map((_, i) => positionRow(posEmb, i));
  const sumRows = tokenRows.map((row, i) => row.map((x, c) => x + positionRows[i][c]));
  const residRows = tokens.map((_, i) => positionRow(residPre, i));
  const input = residRows.map((r) => layerNorm64(r, host.lnWeight, host.lnBias ?? null));

  const queries = input.map((x) => rowTimes(x, wq, host.bq));
  const keysByToken = input.map((x) => rowTimes(x, wk, host.bk));
  const valuesByToken = input.map((x) => rowTimes(x, wv, host.bv));
  const q = queries[queryIndex];
  const keys = Array.from({ length: queryIndex + 1 }, (_, j) => j); // causal: itself and earlier
  const masked = Array.from({ length: T - queryIndex - 1 }, (_, j) => queryIndex + 1 + j);
  const k = keys.map((j) => keysByToken[j]);
  const v = keys.map((j) => valuesByToken[j]);
  const { scores, scale, scaledScores, weights, output } = attendOnce(q, k, v);
  const contribution = rowTimes(output, wo);

  const name = `layer ${layer} head ${head}`;
  const projections = {
    query: excerpt(`W_Q (${name})`, wq),
    key: excerpt(`W_K (${name})`, wk),
    value: excerpt(`W_V (${name})`, wv),
  };
  const projectionMatrix = excerpt(`c_proj rows ${head * hs}..${(head + 1) * hs - 1} (${name})`, wo);
  const query = labels[queryIndex];
  const names = stepNames(labels);
  // The query token's embedding in full (token + position = sum); then, for every token, the
  // stream the layer reads (the sum itself in layer 0) and that stream after ln_1.
  const q0 = names[queryIndex];
  const embeddingRows: Array<[string, number[]]> = [
    [`${q0}: token embedding`, tokenRows[queryIndex]],
    [`${q0}: position ${queryIndex} embedding`, positionRows[queryIndex]],
    [`${q0}: sum`, sumRows[queryIndex]],
  ];
  names.forEach((t, i) => {
    embeddingRows.push([layer === 0 ? `${t}: sum` : `${t}: entering layer ${layer}`, residRows[i]], [`${t}: after ln_1`, input[i]]);
  });
  const numbers = { projections, queries, keysByToken, valuesByToken, q, scores, scale, scaledScores, weights, output };
  const steps = buildSteps(
    {
      tokens: names,
      queryIndex,
      keys,
      masked,
      headSize: hs,
      embeddingsWhy:
        `Each token's vector is its learned token embedding plus the learned embedding of its position (${C} numbers each).` +
        (layer > 0 ? ` Layer ${layer} reads the residual stream: that sum after ${layer === 1 ? 'block 0 has' : `blocks 0..${layer - 1} have`} added to it.` : '') +
        ' The head reads it through the layer norm ln_1.',
      embeddingRows,
      maskWhy:
        masked.length > 0
          ? `The causal mask hides the ${masked.length} later token${masked.length > 1 ? 's' : ''} (${masked.map((j) => names[j]).join(', ')}): a GPT may not look ahead.`
          : 'Nothing is masked: the query is the last token, so every token is at or before it.',
      projectionRow: [`contribution of ${name} to ${q0}`, contribution],
      projectionMatrix,
    },
    numbers,
  );
  return {
    source: 'checkpoint',
    tokens: labels,
    ids: tokens,
    layer,
    head,
    queryIndex,
    query,
    modelWidth: C,
    headSize: hs,
    embeddings: { token: tokenRows, position: positionRows, sum: sumRows },
    input,
    ...numbers,
    keys,
    masked,
    k,
    v,
    projection: { matrix: projectionMatrix, contribution },
    steps,
  };
}
