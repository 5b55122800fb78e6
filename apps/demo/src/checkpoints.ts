// The checkpoints shipped with the page (checkpoint directories under public/models/,
// written by `attn train`), fetched once and handed to the worker.
import type { WorkerClient } from './client';
import { SHIPPED_MODELS } from './model-list';
import { type VocabularyInfo, vocabularyUnit } from './vocab';

export interface CheckpointInfo {
  name: string;
  params: number;
  nLayer: number;
  nHead: number;
  blockSize: number;
  vocabulary: VocabularyInfo;
  /** Steps the CLI trained it for, and its last training loss, from its training state. */
  steps: number | null;
  lastLoss: number | null;
  /** Who trained it, as "trained {origin} for N steps" says (default "by the CLI"; '' says nobody). */
  origin?: string;
  /** What to call it before its shape ("gpt2 (Hugging Face GPT-2)"), for a model the user opened. */
  title?: string;
}

/** The files of a checkpoint directory the page fetches (see @attn/model's checkpoint format). */
const CHECKPOINT_FILES = ['config.json', 'model.safetensors', 'attn-tokenizer.json', 'training-state.safetensors'];
/** Present only when training may continue; the page reads the step count and loss history from it. */
const OPTIONAL_FILES = new Set(['training-state.safetensors']);

export class Checkpoints {
  private readonly loads = new Map<string, Promise<CheckpointInfo>>();

  constructor(private readonly client: WorkerClient) {}

  /** Makes a model the worker already holds (the one the user opened) loadable by name, replacing any before. */
  provide(name: string, info: CheckpointInfo): void {
    this.loads.set(name, Promise.resolve(info));
  }

  /** The worker no longer holds the model `name` (a provided one): loading it fails from now on. */
  forget(name: string): void {
    this.loads.delete(name);
  }

  /** Whether `name` can be loaded: a shipped checkpoint, or a model provided and not forgotten. */
  knows(name: string): boolean {
    return SHIPPED_MODELS.some((m) => m.source === name) || this.loads.has(name);
  }

  load(name: string): Promise<CheckpointInfo> {
    let loading = this.loads.get(name);
    if (!loading) {
      loading = this.fetchAndSend(name);
      loading.catch(() => this.loads.delete(name)); // a failed load may be retried
      this.loads.set(name, loading);
    }
    return loading;
  }

  private async fetchAndSend(name: string): Promise<CheckpointInfo> {
    const url = (file: string) => new URL(`models/${name}/${file}`, document.baseURI).href;
    const files: Record<string, ArrayBuffer> = {};
    await Promise.all(
      CHECKPOINT_FILES.map(async (file) => {
        const response = await fetch(url(file));
        if (response.ok) files[file] = await response.arrayBuffer();
        else if (!OPTIONAL_FILES.has(file)) throw new Error(`The checkpoint "${name}" could not be loaded: ${url(file)} answered ${response.status}.`);
      }),
    );
    const reply = await this.client.request({ type: 'loadCheckpoint', name, files });
    return {
      name,
      params: reply.params,
      nLayer: reply.nLayer,
      nHead: reply.nHead,
      blockSize: reply.blockSize,
      vocabulary: reply.vocabulary,
      steps: reply.steps,
      lastLoss: reply.lastLoss,
    };
  }
}

/** "2 layers × 4 heads, 108,928 parameters, 64-character context; trained by the CLI for 300 steps (final loss 1.93)" */
export function describeCheckpoint(info: CheckpointInfo): string {
  const unit = vocabularyUnit(info.vocabulary);
  const by = info.origin === '' ? '' : ` ${info.origin ?? 'by the CLI'}`;
  const trained = info.steps === null ? '' : `; trained${by} for ${info.steps} steps${info.lastLoss === null ? '' : ` (final training loss ${info.lastLoss.toFixed(2)})`}`;
  const title = info.title ? `${info.title}: ` : '';
  return `${title}${info.nLayer} layers × ${info.nHead} heads, ${info.params.toLocaleString('en')} parameters, reads ${info.blockSize.toLocaleString('en')} ${unit}s at a time${trained}.`;
}
