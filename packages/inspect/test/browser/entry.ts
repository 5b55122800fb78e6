// Runs in the page: the library on a seeded GPT and a seeded encoder-decoder, results as
// plain JSON for the test to compare with the same calls in Node.
import { GPT, Transformer } from '@attn/model';
import { crossAttentionMaps, explainHead, inspectPrompt } from '../../src/index.js';

export interface BrowserResult {
  next: { id: number; prob: number }[];
  lensTop: number[];
  heads: { previousToken: number; induction: number }[];
  weights: number[];
  output: number[];
  cross: number[];
}

export async function run(): Promise<BrowserResult> {
  const model = new GPT({ vocabSize: 30, blockSize: 16, nLayer: 2, nHead: 2, nEmbd: 16 }, { seed: 4 }).eval();
  const ids = [1, 7, 3, 9, 1, 7, 3, 9];
  const view = await inspectPrompt(model, ids, { topK: 3 });
  const e = await explainHead(model, ids, { layer: 1, head: 1, query: 6 });
  const seq2seq = new Transformer({ srcVocabSize: 10, tgtVocabSize: 8, maxLen: 8, nEncoderLayer: 1, nDecoderLayer: 1, nHead: 2, dModel: 8, dFF: 16, bosId: 1, eosId: 2 }, { seed: 3 });
  const cross = await crossAttentionMaps(seq2seq, [3, 4, 5], [1, 6]);
  return {
    next: view.next.map((t) => ({ id: t.id, prob: t.prob })),
    lensTop: view.logitLens.map((l) => l.predictions[7][0].id),
    heads: view.heads.map((h) => ({ previousToken: h.previousToken, induction: h.induction })),
    weights: e.weights,
    output: e.output,
    cross: cross[0][1][1],
  };
}
