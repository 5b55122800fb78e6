// Autoregressive generation over an IncrementalLM: feed the prompt once, then
// one token per step, reusing the model's KV cache.
//
// The context window slides. A state may hold at most `blockSize` tokens; when
// the next feed would overflow it, we start a new state and feed it the most
// recent `keep` tokens (default: half the block, as llama.cpp's context shift
// does). Keeping half means the expensive re-feed happens once every
// blockSize/2 tokens instead of on every token; `keep: blockSize - 1` instead
// gives every token at least blockSize - 1 tokens of context (close to
// nanoGPT's crop) at the cost of a re-feed of the window every other token.
//
// Stops: a stop token ends generation and is not yielded. A stop string ends
// generation as soon as the decoded text contains it; tokens that could be the
// start of a stop string are held back until it is clear they are not, so the
// stop string itself is never streamed out. Checking stop strings decodes the
// generated text once per token (quadratic in output length); without stop
// strings nothing is decoded.
import type { DecodingState, IncrementalLM } from './model.js';
import type { Sampler } from './sampler.js';
import { checkLogits, describe, requireNumber } from './validate.js';

export interface StopConditions {
  /** Token ids that end generation (e.g. end-of-text); not yielded. */
  tokens?: readonly number[];
  /** Strings that end generation once the decoded output contains them; requires `decode`. */
  strings?: readonly string[];
  /** Turns generated token ids into text (your tokenizer's decode). */
  decode?: (ids: readonly number[]) => string;
}

export interface GenerateOptions {
  /** Upper bound on the number of tokens generated (>= 0). */
  maxNewTokens: number;
  /** How each next token is chosen, e.g. sampler([temperature(0.8)], multinomial({ seed: 1 })). */
  sampler: Sampler;
  /** When to stop before maxNewTokens. */
  stop?: StopConditions;
  /** Tokens kept when the window slides, in [1, blockSize - 1]; default floor(blockSize / 2). */
  keep?: number;
  /** Stops generation early (async `generate` only checks it between tokens). */
  signal?: AbortSignal;
}

export type StopReason = 'maxNewTokens' | 'stopToken' | 'stopString' | 'aborted';

/** The generator's return value (what `.next()` gives with done: true). */
export interface GenerateResult {
  /** Every token yielded, in order. */
  tokens: number[];
  reason: StopReason;
  /** How many times the window slid (a fresh state was started). */
  slides: number;
}

/**
 * What the generation loop asks its driver for: run the model on `ids` (with `state`) and send
 * back the logits, or pass token `id` on to the caller. One loop serves both drivers below:
 * generateSync feeds synchronously, generate awaits `feedAsync` where the state has it.
 */
type LoopRequest = { kind: 'feed'; state: DecodingState; ids: readonly number[] } | { kind: 'token'; id: number };

/** The generation loop, as a coroutine that yields its model calls and its tokens. */
function* generationLoop(model: IncrementalLM, promptIds: readonly number[], options: GenerateOptions): Generator<LoopRequest, GenerateResult, Float32Array | undefined> {
  const { blockSize, vocabSize } = checkModel(model);
  checkPrompt(promptIds, vocabSize);
  const { maxNewTokens, sampler, keep, stopTokens, stopStrings, decode } = checkOptions(options, blockSize);

  // The whole context (prompt + generated) for the sampler's tokensSoFar and for
  // re-feeding after a slide; the model only ever sees its last blockSize tokens.
  const context = promptIds.slice();
  const generated: number[] = [];
  let emitted = 0; // generated[0, emitted) has been yielded
  let slides = 0;

  function* feed(state: DecodingState, ids: readonly number[]): Generator<LoopRequest, Float32Array, Float32Array | undefined> {
    return checkLogits('generate (model output)', yield { kind: 'feed', state, ids }, vocabSize);
  }

  let state: DecodingState = model.startDecoding();
  const finish = (reason: StopReason): GenerateResult => ({ tokens: generated.slice(0, emitted), reason, slides });
  // A state's cache may hold memory the garbage collector does not see (wasm, GPU): free it
  // when the state is replaced and when generation ends, however it ends.
  try {
    let logits = yield* feed(state, context.slice(-blockSize));

    for (let step = 0; step < maxNewTokens; step++) {
      if (options.signal?.aborted) return finish('aborted');
      const id = sampler.sample(logits, context);
      if (stopTokens.has(id)) {
        yield* flush(generated.length);
        return finish('stopToken');
      }
      generated.push(id);
      context.push(id);

      if (stopStrings.length > 0) {
        const text = decode!(generated);
        const hit = firstStop(text, stopStrings);
        if (hit >= 0) {
          yield* flush(tokensWithin(generated, emitted, hit, decode!));
          return finish('stopString');
        }
        // Hold back tokens whose text could still grow into a stop string.
        yield* flush(tokensWithin(generated, emitted, text.length - partialStopLength(text, stopStrings), decode!));
      } else {
        yield* flush(generated.length);
      }

      if (step === maxNewTokens - 1) break; // no need to run the model for a token we will not sample
      if (state.length + 1 > blockSize) {
        state.dispose?.();
        state = model.startDecoding();
        slides++;
        logits = yield* feed(state, context.slice(-keep));
      } else {
        logits = yield* feed(state, [id]);
      }
    }
    yield* flush(generated.length);
    return finish('maxNewTokens');
  } finally {
    state.dispose?.();
  }

  function* flush(upTo: number): Generator<LoopRequest, void, Float32Array | undefined> {
    while (emitted < upTo) yield { kind: 'token', id: generated[emitted++] };
  }
}

/** Synchronous generation: a generator of token ids; its return value says why it stopped. Reads logits with `state.feed`. */
export function* generateSync(
  model: IncrementalLM,
  promptIds: readonly number[],
  options: GenerateOptions,
): Generator<number, GenerateResult, void> {
  const loop = generationLoop(model, promptIds, options);
  let logits: Float32Array | undefined;
  try {
    while (true) {
      const next = loop.next(logits);
      if (next.done) return next.value;
      const request = next.value;
      if (request.kind === 'token') {
        logits = undefined;
        yield request.id;
      } else {
        logits = request.state.feed(request.ids);
      }
    }
  } finally {
    // a caller that stops early (break, return()) ends the loop too, which frees its decoding state
    loop.return(undefined as unknown as GenerateResult);
  }
}

/**
 * Streaming generation: an async iterator of token ids. Between tokens it
 * yields to the event loop, so a UI can repaint and `signal` can abort. The model
 * is read with `state.feedAsync` where the decoding state has it (attn's GPT does),
 * so generation runs on backends that read only asynchronously (WebGPU); otherwise
 * with `state.feed`.
 *
 *   for await (const id of generate(model, prompt, { maxNewTokens: 50, sampler: s })) write(decode([id]));
 */
export async function* generate(
  model: IncrementalLM,
  promptIds: readonly number[],
  options: GenerateOptions,
): AsyncGenerator<number, GenerateResult, void> {
  // The loop checks `signal` before each step, so an abort ends it with reason 'aborted' on the next call.
  const loop = generationLoop(model, promptIds, options);
  let logits: Float32Array | undefined;
  try {
    while (true) {
      const next = loop.next(logits);
      if (next.done) return next.value;
      const request = next.value;
      if (request.kind === 'token') {
        logits = undefined;
        yield request.id;
        await yieldToEventLoop();
      } else {
        const { state, ids } = request;
        logits = typeof state.feedAsync === 'function' ? await state.feedAsync(ids) : state.feed(ids);
      }
    }
  } finally {
    // a caller that stops early (break, return()) ends the loop too, which frees its decoding state
    loop.return(undefined as unknown as GenerateResult);
  }
}

// ---- helpers ---------------------------------------------------------------

/**
 * Lets pending I/O, timers and repaints run. setTimeout(0) would do, but it is
 * clamped to >= 1 ms in Node and 4 ms in nested browser timers, which would
 * dominate a small model's per-token time; setImmediate (Node) and a
 * MessageChannel round trip (browsers) are not clamped.
 */
function yieldToEventLoop(): Promise<void> {
  const g = globalThis as { setImmediate?: (fn: () => void) => unknown };
  if (typeof g.setImmediate === 'function') return new Promise((resolve) => g.setImmediate!(resolve));
  if (typeof MessageChannel === 'function') {
    return new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        channel.port1.close();
        resolve();
      };
      channel.port2.postMessage(null);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Index where the earliest stop string starts in `text`, or -1. */
function firstStop(text: string, stops: readonly string[]): number {
  let best = -1;
  for (const s of stops) {
    const at = text.indexOf(s);
    if (at >= 0 && (best < 0 || at < best)) best = at;
  }
  return best;
}

/** Length of the longest suffix of `text` that is a proper prefix of some stop string. */
function partialStopLength(text: string, stops: readonly string[]): number {
  let longest = 0;
  for (const s of stops) {
    for (let n = Math.min(s.length - 1, text.length); n > longest; n--) {
      if (text.endsWith(s.slice(0, n))) {
        longest = n;
        break;
      }
    }
  }
  return longest;
}

/** The largest n >= from such that the text of generated[0, n) fits in the first `chars` characters. */
function tokensWithin(
  generated: readonly number[],
  from: number,
  chars: number,
  decode: (ids: readonly number[]) => string,
): number {
  for (let n = generated.length; n > from; n--) {
    if (decode(generated.slice(0, n)).length <= chars) return n;
  }
  return from;
}

function checkModel(model: IncrementalLM): { blockSize: number; vocabSize: number } {
  if (typeof model !== 'object' || model === null || typeof model.startDecoding !== 'function') {
    throw new TypeError(`generate: model must implement IncrementalLM (blockSize, vocabSize, startDecoding()), got ${describe(model)}`);
  }
  const blockSize = requireNumber('generate', 'model.blockSize', model.blockSize, { min: 1, integer: true, expected: 'an integer >= 1' });
  const vocabSize = requireNumber('generate', 'model.vocabSize', model.vocabSize, { min: 1, integer: true, expected: 'an integer >= 1' });
  return { blockSize, vocabSize };
}

function checkPrompt(promptIds: readonly number[], vocabSize: number): void {
  if (!Array.isArray(promptIds)) throw new TypeError(`generate: promptIds must be an array of token ids, got ${describe(promptIds)}`);
  if (promptIds.length === 0) throw new RangeError('generate: promptIds is empty; give at least one token (e.g. a start-of-text token)');
  promptIds.forEach((id, i) => {
    if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
      throw new RangeError(`generate: promptIds[${i}] = ${describe(id)} is not a token id in [0, ${vocabSize})`);
    }
  });
}

function checkOptions(options: GenerateOptions, blockSize: number) {
  if (typeof options !== 'object' || options === null) throw new TypeError('generate: options { maxNewTokens, sampler } are required');
  const maxNewTokens = requireNumber('generate', 'maxNewTokens', options.maxNewTokens, { min: 0, integer: true, expected: 'an integer >= 0' });
  const sampler = options.sampler;
  if (typeof sampler?.sample !== 'function') {
    throw new TypeError('generate: options.sampler must be a Sampler, e.g. sampler([temperature(0.8)], multinomial({ seed: 1 }))');
  }
  let keep = Math.max(1, Math.floor(blockSize / 2));
  if (options.keep !== undefined) {
    if (blockSize < 2) throw new RangeError('generate: keep needs a model with blockSize >= 2');
    keep = requireNumber('generate', 'keep', options.keep, { min: 1, max: blockSize - 1, integer: true, expected: `an integer in [1, ${blockSize - 1}] (blockSize - 1)` });
  }
  const stopTokens = new Set(options.stop?.tokens ?? []);
  const stopStrings = (options.stop?.strings ?? []).filter((s) => s.length > 0);
  const decode = options.stop?.decode;
  if (stopStrings.length > 0 && typeof decode !== 'function') {
    throw new TypeError('generate: stop.strings needs stop.decode (a function from token ids to text)');
  }
  return { maxNewTokens, sampler, keep, stopTokens, stopStrings, decode };
}
