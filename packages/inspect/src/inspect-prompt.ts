// Everything `attn inspect` shows about one prompt, from one forward pass: the next-token
// top k, the logit lens, every attention map, and the head detector's scores on the prompt.
import type { GPT } from '@attn/model';
import { type AttentionMaps, headsOf } from './attention.js';
import { positionRow, runWithCache } from './cache.js';
import { type DetectionOptions, type HeadScores, scoreHeads } from './head-detector.js';
import { type LogitLensLayer, logitLensFromCache, logitLensStreams } from './logit-lens.js';
import { gptHooks } from './names.js';
import { type TokenProbability, topTokens } from './next-token.js';

export interface PromptInspection {
  ids: number[];
  /** The k most probable next tokens after the prompt. */
  next: TokenProbability[];
  logitLens: LogitLensLayer[];
  attention: AttentionMaps;
  /** Previous-token, duplicate-token and induction scores of every head on the prompt (needs 2+ tokens; empty otherwise). */
  heads: HeadScores[];
}

export interface InspectPromptOptions {
  /** Next tokens listed (default 10). */
  topK?: number;
  /** Tokens per position in the logit lens (default 1). */
  lensK?: number;
  /** Head detector settings (TransformerLens's defaults). */
  detection?: DetectionOptions;
}

/** Runs the prompt once and reads every view of it. */
export async function inspectPrompt(model: GPT, ids: ArrayLike<number>, options: InspectPromptOptions = {}): Promise<PromptInspection> {
  const { nLayer } = model.config;
  const patterns = Array.from({ length: nLayer }, (_, l) => gptHooks.pattern(l));
  const cache = runWithCache(model, ids, { filter: [...patterns, ...logitLensStreams(nLayer).map((s) => s.hook)] });
  try {
    const tokens = [...cache.ids];
    const logits = await cache.read('logits');
    const attention: AttentionMaps = [];
    for (const name of patterns) attention.push(headsOf(await cache.read(name)));
    return {
      ids: tokens,
      next: topTokens(positionRow(logits, tokens.length - 1), options.topK ?? 10),
      logitLens: await logitLensFromCache(model, cache, { k: options.lensK }),
      attention,
      heads: tokens.length >= 2 ? scoreHeads(attention, tokens, options.detection) : [],
    };
  } finally {
    cache.dispose();
  }
}
