// The one place where the inspection commands (inspect, explain, attend, generate) load a
// checkpoint directory. Today it reads the CLI's own format through loadCheckpoint; when
// loadPretrained(dir) (Hugging Face / attn checkpoint directories) lands, only this
// function changes.
import type { GPT } from '@attn/model';
import { loadCheckpoint } from '../checkpoint.js';
import type { Codec } from '../codec.js';

/** A model and how text maps to its token ids. */
export interface InspectableModel {
  model: GPT;
  /** Text to token ids; fails with one clear line on text outside the vocabulary. */
  encode(text: string): number[];
  /** One token id as display text. */
  label(id: number): string;
  /** Token ids back to text. */
  decode(ids: readonly number[]): string;
  /** Whether tokens are words (joined with spaces when printed) rather than characters or pieces. */
  wordLevel: boolean;
  /** The same, in the shape streamText (generate-text.ts) reads. */
  codec: Pick<Codec, 'kind' | 'encode' | 'decode' | 'label'>;
}

export async function loadModel(dir: string): Promise<InspectableModel> {
  const { model, codec } = await loadCheckpoint(dir);
  model.eval();
  return {
    model,
    encode: (text) => codec.encode(text),
    label: (id) => codec.label(id),
    decode: (ids) => codec.decode(ids),
    wordLevel: codec.kind === 'word',
    codec,
  };
}
