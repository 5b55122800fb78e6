// The worker's side of the views that look inside a trained model. Every number comes from
// @attn/inspect (explainHead, attentionMaps, samplingView, embeddingMap, corefScore,
// inductionScore, translateWithAttention, translationAccuracy); this file only picks the
// model, turns text into ids with the same analyseText the page's preview marks with, and
// posts the results.
import { createCorefLanguage } from '@attn/datasets';
import {
  attentionMaps,
  corefScore,
  embeddingMap,
  explainHead,
  inductionScore,
  nearestTokens,
  positionRow,
  readActivations,
  type SamplingView,
  samplingProcessors,
  samplingView,
  type TokenGroup,
  tokenEmbeddings,
  translateWithAttention,
  translationAccuracy,
} from '@attn/inspect';
import type { GPT } from '@attn/model';
import { multinomial, sampler } from '@attn/sample';
import type { Tensor } from '@attn/tensor';
import { dateHeldOut, heldOutMaxTokens, INDUCTION_RECIPE, inductionScoreOptions } from '@attn/train';
import type { Tokenizer } from '@attn/tokenizer';
import { EMBEDDING_TEXT_TOKENS, type InspectReply, type InspectRequest, LARGE_VOCABULARY, type SliderSettings, type TaskName, type TranslationView } from '../inspect-protocol';
import type { FromWorker } from '../protocol';
import { analyseText, describeLeftOut, type VocabularyInfo, vocabularyLabels, vocabularySize, vocabularyUnit } from '../vocab';
import { decodableLogits } from './token-text';
import { writeTokens } from './writing';
import { messageYielder } from './yield-to-messages';
import { type DateModel, describeTaskModel, type InductionModel, newDateModel, newInductionModel, TASK_EVAL_EVERY, type TaskModel } from './task-models';

/** A model the views can read: the page's, a shipped checkpoint or the opened one (worker.ts's Explorable). */
export interface ReadableModel {
  model: GPT;
  vocabulary: VocabularyInfo;
  tokenizer: Tokenizer;
}

/** What worker.ts lends these handlers. */
export interface InspectContext {
  /** The page's model ('page', trained at least one step) or a loaded checkpoint; throws a readable error otherwise. */
  explorable(source: string): ReadableModel;
  /** Whether the page's model is training (the task models wait for it). */
  pageTraining(): boolean;
  post(message: FromWorker): void;
}

// ---- helpers ------------------------------------------------------------------------------
/** The ids and labels of typed text, or an error that says what the model could not read. */
function readText(target: ReadableModel, text: string, what: string): { ids: number[]; labels: string[] } {
  const analysis = analyseText(text, target.vocabulary, target.model.blockSize);
  if (analysis.ids.length === 0) {
    const leftOut = describeLeftOut(analysis, target.vocabulary, target.model.blockSize);
    throw new Error(`The ${what} needs at least one ${vocabularyUnit(target.vocabulary)} the model knows.${leftOut ? ` ${leftOut}` : ''}`);
  }
  return analysis;
}

function checkSettings(s: SliderSettings): SliderSettings {
  if (!(s.temperature >= 0 && s.temperature <= 5)) throw new Error(`temperature must be from 0 to 5, got ${s.temperature}`);
  if (!(Number.isInteger(s.topK) && s.topK >= 1)) throw new Error(`top-k must be a whole number of at least 1, got ${s.topK}`);
  if (!(s.topP > 0 && s.topP <= 1)) throw new Error(`top-p must be above 0 and at most 1, got ${s.topP}`);
  return s;
}

/** The next-token logits after each prompt, per model, until the model's weights change (its training steps move on). */
const logitsCache = new WeakMap<GPT, { key: string; logits: Float32Array }>();

/** The last position's next-token logits over the ids the tokenizer can decode (a padded Hub vocabulary's extra rows left out). */
async function lastLogits(target: ReadableModel, ids: number[], version: string): Promise<Float32Array> {
  const key = `${version}|${ids.join(',')}`;
  const cached = logitsCache.get(target.model);
  if (cached?.key === key) return cached.logits;
  const { logits } = await readActivations(target.model, ids, []); // (1, T, vocabSize) on the host
  const last = decodableLogits(target.tokenizer, Float32Array.from(positionRow(logits, ids.length - 1)));
  logitsCache.set(target.model, { key, logits: last });
  return last;
}

// ---- the task models and their training ----------------------------------------------------------
const tasks: { date: DateModel | null; induction: InductionModel | null } = { date: null, induction: null };
let taskTraining: TaskName | null = null;
let taskStopRequested = false;

/** Whether a task model is training (worker.ts refuses to train the page's model or switch engines meanwhile). */
export function isTaskTraining(): boolean {
  return taskTraining !== null;
}

/** The task models' weights and optimiser state: what must move with an engine switch. */
export function taskTensors(): Tensor[] {
  return [tasks.date, tasks.induction].flatMap((t) => (t ? t.trainer.tensors() : []));
}

/** Lets queued messages (Stop, other views' requests) in between steps. */
const yieldToMessages = messageYielder();

/** Progress messages at most this often. */
const POST_EVERY_MS = 100;

async function trainTask(msg: Extract<InspectRequest, { type: 'taskTrain' }>, ctx: InspectContext): Promise<void> {
  if (taskTraining) throw new Error(`The ${taskTraining === 'date' ? 'date' : 'induction'} model is already training.`);
  if (ctx.pageTraining()) throw new Error('The page\'s language model is training: stop it in the Train view first (one model trains at a time).');
  if (!Number.isInteger(msg.steps) || msg.steps < 1 || msg.steps > 5000) throw new Error(`steps must be a whole number from 1 to 5,000, got ${msg.steps}`);
  const t: TaskModel = (msg.task === 'date' ? (tasks.date ??= newDateModel()) : (tasks.induction ??= newInductionModel())) as TaskModel;
  taskTraining = msg.task;
  taskStopRequested = false;
  const { trainer } = t;
  const tokensPerStep = trainer.source.tokensPerBatch;
  let done = 0;
  let seconds = 0;
  let reason: 'steps' | 'stopped' = 'steps';
  let losses: Array<{ step: number; loss: number }> = [];
  let valLoss: { step: number; loss: number } | null = null;
  let windowSeconds = 0;
  let lr = 0;
  let lastPost = performance.now();
  const flush = () => {
    ctx.post({ type: 'progress', id: msg.id, step: trainer.stepsDone, losses, valLoss, tokensPerSecond: windowSeconds > 0 ? (losses.length * tokensPerStep) / windowSeconds : 0, lr });
    losses = [];
    valLoss = null;
    windowSeconds = 0;
    lastPost = performance.now();
  };
  const evaluate = async () => ({ step: trainer.stepsDone, loss: (await trainer.evaluate()).valLoss });
  try {
    t.model.train();
    if (trainer.stepsDone === 0) valLoss = await evaluate();
    while (done < msg.steps) {
      if (taskStopRequested) {
        reason = 'stopped';
        break;
      }
      const t0 = performance.now();
      const info = await trainer.step();
      const s = (performance.now() - t0) / 1000;
      seconds += s;
      windowSeconds += s;
      done++;
      lr = info.lr;
      losses.push({ step: info.step, loss: info.loss });
      if (info.step % TASK_EVAL_EVERY === 0) valLoss = await evaluate();
      if (performance.now() - lastPost >= POST_EVERY_MS || valLoss) flush();
      await yieldToMessages();
    }
    if (!valLoss && losses.length > 0) valLoss = await evaluate();
    if (losses.length > 0 || valLoss) flush();
  } finally {
    taskTraining = null;
    t.model.eval();
  }
  ctx.post({
    type: 'taskReady',
    id: msg.id,
    task: msg.task,
    step: trainer.stepsDone,
    steps: done,
    seconds,
    reason,
    params: t.model.numParameters(),
    description: describeTaskModel(msg.task, t),
  });
}

function needTask(name: 'date'): DateModel;
function needTask(name: 'induction'): InductionModel;
function needTask(name: TaskName): TaskModel {
  const t = tasks[name];
  if (!t || t.trainer.stepsDone === 0) throw new Error(`No ${name === 'date' ? 'date' : 'induction'} model has been trained yet: press Train first.`);
  return t;
}

// ---- the encoder-decoder ---------------------------------------------------------------------------
/** Source ids of a typed date, or an error naming the characters the model cannot read. */
function dateSource(t: DateModel, text: string): number[] {
  const chars = Array.from(text.trim());
  if (chars.length === 0) throw new Error('Type a date to translate, for example "23 November 2026".');
  const v = t.task.vocabulary;
  const unknown = [...new Set(chars.filter((c) => !v.tokens.includes(c) || c.startsWith('<')))];
  if (unknown.length > 0) throw new Error(`The date model reads only digits, spaces, commas and the letters of month names; it cannot read ${unknown.map((c) => JSON.stringify(c)).join(', ')}.`);
  if (chars.length > t.model.maxLen) throw new Error(`The date model reads at most ${t.model.maxLen} characters; this is ${chars.length}.`);
  return chars.map((c) => v.id(c));
}

async function translateDate(t: DateModel, text: string, beamWidth: number): Promise<{ input: string[]; greedy: TranslationView; beam: TranslationView }> {
  const src = dateSource(t, text);
  const v = t.task.vocabulary;
  const view = async (width: number): Promise<TranslationView> => {
    const r = await translateWithAttention(t.model, src, { beamWidth: width });
    return { output: r.tokens.map((id) => v.tokens[id]), logProb: r.logProb, cross: r.cross };
  };
  return { input: src.map((id) => v.tokens[id]), greedy: await view(1), beam: await view(beamWidth) };
}

/** Held-out examples translated between two looks at the message queue (so Stop and other views stay quick). */
const ACCURACY_CHUNK = 20;

/** Exact match of greedy decoding and of beam search on `count` dates the trainer never drew (@attn/train's dateHeldOut). */
async function dateAccuracy(t: DateModel, count: number, beamWidth: number) {
  const v = t.task.vocabulary;
  const held = dateHeldOut(t.task, count, t.run, t.trainer.stepsDone);
  if (held.length < count) throw new Error(`Only ${held.length} held-out dates are left unseen; ask for fewer.`);
  const maxTokens = heldOutMaxTokens(held);
  // @attn/inspect's translationAccuracy, a chunk at a time; the chunks' counts add up.
  const run = async (width: number) => {
    const results: Array<{ tokens: number[]; correct: boolean }> = [];
    for (let i = 0; i < held.length; i += ACCURACY_CHUNK) {
      results.push(...translationAccuracy(t.model, held.slice(i, i + ACCURACY_CHUNK), { beamWidth: width, maxTokens }).results);
      await yieldToMessages();
    }
    const correct = results.filter((r) => r.correct).length;
    return { summary: { correct, total: results.length, accuracy: correct / results.length, beamWidth: width }, results };
  };
  const greedy = await run(1);
  const beam = await run(beamWidth);
  const misses = greedy.results
    .map((r, i) => ({ r, e: held[i] }))
    .filter(({ r }) => !r.correct)
    .slice(0, 3)
    .map(({ r, e }) => ({ source: e.sourceText, expected: e.targetText, greedy: r.tokens.map((id) => v.tokens[id]).join('') }));
  return { greedy: greedy.summary, beam: beam.summary, misses };
}

// ---- the coreference checkpoint's named head ---------------------------------------------------------
/** The coreference language the shipped checkpoint was trained on (`attn train --corpus coref`: seed 0). */
const corefLanguage = createCorefLanguage({ seed: 0 });
/** Seed of the held-out sentences (the one `pnpm demo` scores with). */
const COREF_HELDOUT_SEED = 11;

/** The 'fit' family's nouns: things that can be "too big" (role A) and the containers (role B). */
function fitNouns(): { things: string[]; containers: string[] } {
  const pairs = [...corefLanguage.trainPairs, ...corefLanguage.heldOutPairs].filter((p) => p.family === 'fit');
  return { things: [...new Set(pairs.map((p) => p.a))], containers: [...new Set(pairs.map((p) => p.b))] };
}

type CorefHeadsResult = Omit<Extract<InspectReply, { type: 'corefHeadsResult' }>, 'type' | 'id'>;

async function corefHeads(ctx: InspectContext, sentences: number): Promise<CorefHeadsResult> {
  if (!Number.isInteger(sentences) || sentences < 1 || sentences > 2000) throw new Error(`sentences must be a whole number from 1 to 2,000, got ${sentences}`);
  const target = ctx.explorable('coref');
  if (target.vocabulary.kind !== 'word') throw new Error('The coreference checkpoint should have a word tokenizer.');
  const idOf = new Map(target.vocabulary.words.map((w, i) => [w, i]));
  const encode = (words: readonly string[]) =>
    words.map((w) => {
      const id = idOf.get(w);
      if (id === undefined) throw new Error(`The coreference checkpoint does not know the word "${w}".`);
      return id;
    });
  const held = corefLanguage.generate('heldout', sentences, COREF_HELDOUT_SEED);
  const score = await corefScore(target.model, held, encode);
  const examples: CorefHeadsResult['examples'] = [];
  for (const ex of held.slice(0, 8)) {
    const upToIt = ex.tokens.slice(0, ex.itIndex + 1); // what the model has read when it reaches "it"
    const maps = await attentionMaps(target.model, encode(upToIt));
    examples.push({ tokens: upToIt, itIndex: ex.itIndex, referentIndex: ex.referentIndex, distractorIndex: ex.distractorIndex, pattern: maps[score.layer][score.head] });
  }
  return { score, examples };
}

// ---- the embedding map -----------------------------------------------------------------------------------
type EmbeddingsResult = Omit<Extract<InspectReply, { type: 'embeddingsResult' }>, 'type' | 'id'>;

/**
 * The map of a model's token embeddings: every token of a small vocabulary; the coreference
 * model's "did not fit" nouns by role; or, for a large vocabulary (GPT-2's 50,257 tokens), the
 * tokens of a typed text and each one's nearest tokens in the whole vocabulary.
 */
async function embeddings(target: ReadableModel, msg: Extract<InspectRequest, { type: 'embeddings' }>): Promise<EmbeddingsResult> {
  const names = vocabularyLabels(target.vocabulary);
  if (msg.subset === 'nouns') {
    if (target.vocabulary.kind !== 'word' || !names.includes('suitcase')) throw new Error('Only the coreference model has the nouns of the "did not fit" sentences.');
    const all = await tokenEmbeddings(target.model);
    const { things, containers } = fitNouns();
    const words = [...things, ...containers];
    const vectors = words.map((w) => all[names.indexOf(w)]);
    const groups: TokenGroup[] = [
      { name: 'things that can be too big', members: things.map((_, i) => i) },
      { name: 'containers', members: containers.map((_, i) => things.length + i) },
    ];
    const map = embeddingMap(vectors, words, { neighbours: 5, groups });
    return { map, groups: words.map((_, i) => (i < things.length ? 0 : 1)), groupNames: groups.map((g) => g.name), typed: 0 };
  }
  const size = vocabularySize(target.vocabulary);
  if (msg.subset === 'all') {
    if (size > LARGE_VOCABULARY) throw new Error(`This model has ${size.toLocaleString('en')} tokens, too many to map at once: map the tokens of a text and their nearest neighbours.`);
    const map = embeddingMap(await tokenEmbeddings(target.model), [...names], { neighbours: 5 });
    return { map, groups: null, groupNames: null, typed: 0 };
  }
  // The text's distinct tokens (the first EMBEDDING_TEXT_TOKENS), then each one's nearest in the whole vocabulary.
  const { ids } = readText(target, msg.text ?? '', 'text');
  const typed = [...new Set(ids)].slice(0, EMBEDDING_TEXT_TOKENS);
  if (typed.length < 2) throw new Error('Type a text of at least two different tokens to map.');
  const near = await nearestTokens(target.model, typed, { k: 5, among: Math.min(target.tokenizer.vocabSize, target.model.vocabSize) }); // not a padded vocabulary's unused rows
  const shown = [...typed];
  for (const list of near) for (const t of list) if (!shown.includes(t.id)) shown.push(t.id);
  const map = embeddingMap(await tokenEmbeddings(target.model, shown), shown.map((id) => names[id]), { neighbours: 5 });
  return { map, groups: shown.map((_, i) => (i < typed.length ? 0 : 1)), groupNames: ['tokens of the text', 'their nearest neighbours'], typed: typed.length };
}

// ---- the dispatcher -------------------------------------------------------------------------------------
let sampling: AbortController | null = null;

/** Handles one request of inspect-protocol.ts and posts its final reply. */
export async function handleInspect(msg: InspectRequest, ctx: InspectContext, version: (source: string) => string): Promise<void> {
  const { post } = ctx;
  switch (msg.type) {
    case 'explainHead': {
      const target = ctx.explorable(msg.source);
      const { ids, labels } = readText(target, msg.text, 'sentence');
      const explanation = await explainHead(target.model, ids, { layer: msg.layer, head: msg.head, query: msg.query, labels });
      const maps = await attentionMaps(target.model, ids);
      post({ type: 'explanation', id: msg.id, explanation, pattern: maps[msg.layer][msg.head] });
      break;
    }
    case 'nextTokens': {
      const target = ctx.explorable(msg.source);
      const { ids, labels } = readText(target, msg.prompt, 'prompt');
      const logits = await lastLogits(target, ids, version(msg.source));
      const view = samplingView(logits, checkSettings(msg.settings), { show: msg.show });
      const names = vocabularyLabels(target.vocabulary);
      post({ type: 'nextTokensResult', id: msg.id, view, labels: view.tokens.map((t) => names[t.id]), promptLabels: labels, vocabSize: logits.length });
      break;
    }
    case 'sample': {
      const target = ctx.explorable(msg.source);
      const { ids } = readText(target, msg.prompt, 'prompt');
      const settings = checkSettings(msg.settings);
      if (!Number.isInteger(msg.maxTokens) || msg.maxTokens < 1 || msg.maxTokens > 500) throw new Error(`tokens to write must be a whole number from 1 to 500, got ${msg.maxTokens}`);
      const names = vocabularyLabels(target.vocabulary);
      sampling?.abort();
      const controller = new AbortController();
      sampling = controller;
      // The processors samplingView shows are the ones that sample, so every bar is what was drawn from.
      const options = { maxTokens: msg.maxTokens, sampler: sampler(samplingProcessors(settings), multinomial({ seed: msg.seed })), signal: controller.signal };
      let written = 0;
      const reason = await writeTokens(target.model, target.tokenizer, ids, options, (token) => {
        const view: SamplingView = samplingView(token.logits, settings, { show: msg.show });
        post({ type: 'sampled', id: msg.id, token: token.id, label: names[token.id], text: token.text, view, labels: view.tokens.map((t) => names[t.id]) });
        written++;
      });
      if (sampling === controller) sampling = null;
      post({ type: 'sampleDone', id: msg.id, reason, tokens: written });
      break;
    }
    case 'stopSample':
      sampling?.abort();
      post({ type: 'ok', id: msg.id });
      break;
    case 'embeddings':
      post({ type: 'embeddingsResult', id: msg.id, ...(await embeddings(ctx.explorable(msg.source), msg)) });
      break;
    case 'corefHeads': {
      const { score, examples } = await corefHeads(ctx, msg.sentences);
      post({ type: 'corefHeadsResult', id: msg.id, score, examples });
      break;
    }
    case 'taskTrain':
      await trainTask(msg, ctx);
      break;
    case 'taskStop':
      taskStopRequested = true;
      post({ type: 'ok', id: msg.id });
      break;
    case 'dateAccuracy': {
      if (!Number.isInteger(msg.examples) || msg.examples < 1 || msg.examples > 1000) throw new Error(`examples must be a whole number from 1 to 1,000, got ${msg.examples}`);
      if (!Number.isInteger(msg.beamWidth) || msg.beamWidth < 1 || msg.beamWidth > 16) throw new Error(`beam width must be a whole number from 1 to 16, got ${msg.beamWidth}`);
      post({ type: 'dateAccuracyResult', id: msg.id, ...(await dateAccuracy(needTask('date'), msg.examples, msg.beamWidth)) });
      break;
    }
    case 'translate': {
      if (!Number.isInteger(msg.beamWidth) || msg.beamWidth < 1 || msg.beamWidth > 16) throw new Error(`beam width must be a whole number from 1 to 16, got ${msg.beamWidth}`);
      post({ type: 'translateResult', id: msg.id, ...(await translateDate(needTask('date'), msg.text, msg.beamWidth)), beamWidth: msg.beamWidth });
      break;
    }
    case 'inductionHeads': {
      const t = needTask('induction');
      if (!Number.isInteger(msg.sequences) || msg.sequences < 1 || msg.sequences > 200) throw new Error(`sequences must be a whole number from 1 to 200, got ${msg.sequences}`);
      // Both on repeated random tokens (INDUCTION_RECIPE.testHalves), never trained on: the longest and the shortest.
      const held = [...INDUCTION_RECIPE.testHalves].sort((x, y) => x - y);
      const score = await inductionScore(t.model, inductionScoreOptions(held[held.length - 1], msg.sequences));
      const shorter = await inductionScore(t.model, inductionScoreOptions(held[0], msg.sequences));
      const layers = await attentionMaps(t.model, score.sample);
      const labels = score.sample.map((id) => (id === INDUCTION_RECIPE.vocabSize ? 'BOS' : String(id)));
      post({ type: 'inductionResult', id: msg.id, score, shorter, layers, labels });
      break;
    }
  }
}

