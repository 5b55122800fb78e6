// The checkpoints shipped with the page (checkpoint directories under public/models/,
// written by `attn train`), fetched once and handed to the worker.
import type { WorkerClient } from './client';
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
  /** Who trained it, as "trained {origin} for N steps" says (default "by the CLI"). */
  origin?: string;
}

/** What each shipped checkpoint is, in a few words. */
export const CHECKPOINT_LABELS: Record<string, string> = {
  shakespeare: 'Shakespeare, one token per character',
  coref: 'the coreference language ("the ball did not fit in the cupboard because too tall was it"), one token per word',
};

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
  const trained = info.steps === null ? '' : `; trained ${info.origin ?? 'by the CLI'} for ${info.steps} steps${info.lastLoss === null ? '' : ` (final training loss ${info.lastLoss.toFixed(2)})`}`;
  return `${info.nLayer} layers × ${info.nHead} heads, ${info.params.toLocaleString('en')} parameters, reads ${info.blockSize} ${unit}s at a time${trained}.`;
}
