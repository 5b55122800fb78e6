// The encoder-decoder's checkpoint directory on disk (Node only; node:fs is imported
// lazily). Saving goes through the same atomic writer as a GPT's directory; loading
// reads config.json and the tokenizer, then streams model.safetensors one tensor at a
// time into a model built without random initialisation.
import { type Tokenizer, tokenizerFromFiles } from '@attn/tokenizer';
import { CHECKPOINT_ID_KEY } from '../checkpoint/files.js';
import { CONFIG_FILE } from '../checkpoint/hf-config.js';
import { checkCheckpointDir, writeCheckpointFiles } from '../checkpoint/node.js';
import { CheckpointError } from '../errors.js';
import { openSafetensorsWeights } from '../safetensors/node-source.js';
import { readTransformerWeights, type Seq2SeqContents, type Seq2SeqPretrained, seq2seqCheckpointToFiles, seq2seqConfigFromJson } from './seq2seq-files.js';
import { Transformer } from './transformer.js';

/** Saves an encoder-decoder and its tokenizer as a checkpoint directory. */
export async function saveSeq2SeqCheckpoint(dir: string, contents: Seq2SeqContents): Promise<void> {
  await writeCheckpointFiles(dir, seq2seqCheckpointToFiles(contents));
}

/** Loads a checkpoint directory written by saveSeq2SeqCheckpoint (or by @attn/train for a Transformer). */
export async function loadSeq2SeqCheckpoint(dir: string): Promise<Seq2SeqPretrained> {
  const fs = await import('node:fs/promises');
  const path = await import('node:path');
  await checkCheckpointDir(dir);
  const read = async (name: string): Promise<string | undefined> => {
    const file = path.join(dir, name);
    const stat = await fs.stat(file).catch(() => null);
    if (!stat) return undefined;
    if (!stat.isFile()) throw new CheckpointError(`${file}: is a directory, not a file`);
    return fs.readFile(file, 'utf8');
  };
  const configText = await read(CONFIG_FILE);
  if (configText === undefined) throw new CheckpointError(`${path.join(dir, CONFIG_FILE)}: missing (a checkpoint directory holds config.json, model.safetensors and the tokenizer files)`);
  const { config, tokenizer: kind, task } = seq2seqConfigFromJson(configText, path.join(dir, CONFIG_FILE));
  const texts = new Map<string, string | undefined>();
  for (const name of ['attn-tokenizer.json', 'vocab.json', 'merges.txt', 'tokenizer.json']) texts.set(name, await read(name));
  const tokenizer = tokenizerFromFiles((name) => texts.get(name), { source: dir, kind: kind as Tokenizer['kind'] });
  if (tokenizer.vocabSize !== config.srcVocabSize || tokenizer.vocabSize !== config.tgtVocabSize) {
    throw new CheckpointError(`${dir}: the tokenizer has ${tokenizer.vocabSize} ids but config.json says ${config.srcVocabSize} (source) and ${config.tgtVocabSize} (target); the files come from different runs`);
  }
  const source = await openSafetensorsWeights(dir);
  const model = new Transformer(config, { init: false });
  try {
    await readTransformerWeights(model, source);
  } finally {
    await source.close();
  }
  return { model, tokenizer, task, checkpointId: source.metadata[CHECKPOINT_ID_KEY] ?? null };
}
