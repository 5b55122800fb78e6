// The checkpoints shipped with the page (static files under public/models/, written
// by `attn train`), fetched once and handed to the worker.
import type { WorkerClient } from './client';
import type { VocabularyInfo } from './vocab';

export interface CheckpointInfo {
  name: string;
  params: number;
  nLayer: number;
  nHead: number;
  blockSize: number;
  vocabulary: VocabularyInfo;
  /** Steps the CLI trained it for, and its last training loss, from train.json. */
  steps: number | null;
  lastLoss: number | null;
}

/** What each shipped checkpoint is, in a few words. */
export const CHECKPOINT_LABELS: Record<string, string> = {
  shakespeare: 'Shakespeare, one token per character',
  coref: 'the coreference language ("the ball did not fit in the cupboard because too tall was it"), one token per word',
};

export class Checkpoints {
  private readonly loads = new Map<string, Promise<CheckpointInfo>>();

  constructor(private readonly client: WorkerClient) {}

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
    const [weights, tokenizer, info] = await Promise.all(
      ['model.safetensors', 'tokenizer.json', 'train.json'].map(async (file) => {
        const response = await fetch(url(file));
        if (!response.ok) throw new Error(`The checkpoint "${name}" could not be loaded: ${url(file)} answered ${response.status}.`);
        return response;
      }),
    );
    const reply = await this.client.request({ type: 'loadCheckpoint', name, weights: await weights.arrayBuffer(), tokenizer: await tokenizer.text() });
    const trained = (await info.json()) as { steps?: number; losses?: Array<{ loss: number }> };
    return {
      name,
      params: reply.params,
      nLayer: reply.nLayer,
      nHead: reply.nHead,
      blockSize: reply.blockSize,
      vocabulary: reply.vocabulary,
      steps: typeof trained.steps === 'number' ? trained.steps : null,
      lastLoss: trained.losses?.at(-1)?.loss ?? null,
    };
  }
}

/** "2 layers × 4 heads, 108,928 parameters, 64-character context; trained by the CLI for 300 steps (final loss 1.93)" */
export function describeCheckpoint(info: CheckpointInfo): string {
  const unit = info.vocabulary.kind === 'char' ? 'character' : 'word';
  const trained = info.steps === null ? '' : `; trained by the CLI for ${info.steps} steps${info.lastLoss === null ? '' : ` (final training loss ${info.lastLoss.toFixed(2)})`}`;
  return `${info.nLayer} layers × ${info.nHead} heads, ${info.params.toLocaleString('en')} parameters, reads ${info.blockSize} ${unit}s at a time${trained}.`;
}
