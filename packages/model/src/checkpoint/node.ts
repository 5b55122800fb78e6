// The checkpoint directory on disk (Node only; node:fs is imported lazily so
// browser bundles of @attn/model never need it). Saving writes each file to a
// temporary name in the directory, fsyncs and renames it, in the order given
// (@attn/train puts training-state.safetensors last), so an interrupted save
// leaves every file either the old or the new version and the directory readable.
import { type Tokenizer, tokenizerFromFiles } from '@attn/tokenizer';
import { CheckpointError } from '../errors.js';
import { GPT } from '../gpt/gpt.js';
import { readGptWeights } from '../gpt/weights.js';
import { readHeaderLength, parseHeader } from '../safetensors/format.js';
import { writeFileAtomic } from '../safetensors/node.js';
import { openSafetensorsWeights } from '../safetensors/node-source.js';
import {
  CHECKPOINT_ID_KEY,
  type CheckpointContents,
  checkpointToFiles,
  checkVocabulary,
  describeShape,
  type Pretrained,
} from './files.js';
import { type CheckpointConfig, CONFIG_FILE, gptConfigFromHf } from './hf-config.js';

const code = (err: unknown) => (err as NodeJS.ErrnoException).code ?? (err as Error).message;

/**
 * Makes sure `dir` can receive a checkpoint, before a long run starts: creates it if needed and
 * proves it writable with a probe file. Throws CheckpointError naming the directory when it is a
 * file, cannot be created or cannot be written.
 */
export async function prepareCheckpointDir(dir: string): Promise<void> {
  const fs = await import('node:fs/promises');
  const path = await import('node:path');
  const stat = await fs.stat(dir).catch(() => null);
  if (stat && !stat.isDirectory()) throw new CheckpointError(`${dir}: exists and is not a directory; a checkpoint is a directory`);
  if (!stat) {
    try {
      await makeDirectory(dir);
    } catch (err) {
      throw new CheckpointError(`${dir}: cannot create the directory (${code(err)})`);
    }
  }
  const probe = path.join(dir, `.attn-write-test.${process.pid}.tmp`);
  try {
    await fs.writeFile(probe, '');
    await fs.rm(probe, { force: true });
  } catch (err) {
    throw new CheckpointError(`${dir}: cannot write into the directory (${code(err)})`);
  }
}

/**
 * mkdir -p, one level at a time. Node's own recursive mkdir never returns for a path under a
 * directory that refuses new entries with ENOENT (it retries the parent forever: /proc/x).
 */
async function makeDirectory(dir: string): Promise<void> {
  const fs = await import('node:fs/promises');
  const path = await import('node:path');
  const parent = path.dirname(dir);
  if (parent !== dir && !(await fs.stat(parent).catch(() => null))) await makeDirectory(parent);
  try {
    await fs.mkdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST' && (await fs.stat(dir)).isDirectory()) return;
    throw err;
  }
}

/** Writes checkpoint files (name -> bytes) into `dir`, one by one, atomically, in the map's order. */
export async function writeCheckpointFiles(dir: string, files: ReadonlyMap<string, Uint8Array>): Promise<void> {
  const path = await import('node:path');
  await prepareCheckpointDir(dir);
  for (const [name, bytes] of files) {
    try {
      await writeFileAtomic(path.join(dir, name), bytes);
    } catch (err) {
      throw new CheckpointError((err as Error).message.replace(/^safetensors: /, ''));
    }
  }
}

/** Saves a model and its tokenizer as a checkpoint directory (config.json, model.safetensors, tokenizer files). */
export async function saveCheckpoint(dir: string, contents: CheckpointContents): Promise<void> {
  await writeCheckpointFiles(dir, checkpointToFiles(contents));
}

/**
 * Reads one file of a checkpoint directory, or undefined when it does not exist. A directory where
 * the file should be, or a file that cannot be read, is an error naming it.
 */
async function readIfPresent(file: string): Promise<Uint8Array | undefined> {
  const fs = await import('node:fs/promises');
  const stat = await fs.stat(file).catch(() => null);
  if (!stat) return undefined;
  if (!stat.isFile()) throw new CheckpointError(`${file}: is a directory, not a file`);
  try {
    return await fs.readFile(file);
  } catch (err) {
    throw new CheckpointError(`${file}: cannot read (${code(err)})`);
  }
}

/** Checks that `dir` is a directory, naming it when it is missing or a file. */
export async function checkCheckpointDir(dir: string): Promise<void> {
  const fs = await import('node:fs/promises');
  const stat = await fs.stat(dir).catch(() => null);
  if (!stat) throw new CheckpointError(`${dir}: no such directory`);
  if (!stat.isDirectory()) throw new CheckpointError(`${dir}: is a file; expected a checkpoint directory (config.json, model.safetensors, tokenizer files)`);
}

/**
 * Reads and checks only config.json of a checkpoint directory: what the model is (and so how much
 * memory its weights take, 4 * gptParameterCount(config.gpt) bytes in float32) before loading it,
 * e.g. to size a backend's memory first. Errors as loadPretrained's.
 */
export async function readCheckpointConfig(dir: string): Promise<CheckpointConfig> {
  const path = await import('node:path');
  await checkCheckpointDir(dir);
  const file = path.join(dir, CONFIG_FILE);
  const bytes = await readIfPresent(file);
  if (bytes === undefined) throw new CheckpointError(`${file}: missing (a checkpoint directory holds config.json, model.safetensors and the tokenizer files)`);
  return gptConfigFromHf(new TextDecoder().decode(bytes), file);
}

/**
 * Loads a checkpoint directory written by attn or downloaded from the Hugging Face Hub (GPT-2):
 * config.json, the weights (model.safetensors or shards) and the tokenizer.
 */
export async function loadPretrained(dir: string): Promise<Pretrained> {
  const path = await import('node:path');
  const file = (name: string) => path.join(dir, name);
  const config = await readCheckpointConfig(dir);
  const texts = new Map<string, string | undefined>();
  for (const name of ['attn-tokenizer.json', 'vocab.json', 'merges.txt', 'tokenizer.json']) {
    const bytes = await readIfPresent(file(name));
    texts.set(name, bytes === undefined ? undefined : new TextDecoder().decode(bytes));
  }
  const tokenizer: Tokenizer = tokenizerFromFiles((name) => texts.get(name), { source: dir, kind: config.tokenizer });
  checkVocabulary(config, tokenizer, dir);
  // The weights, streamed: model.safetensors (or the shards its index names) is opened, its
  // header checked against the model, then each tensor is read straight into its parameter.
  const source = await openSafetensorsWeights(dir);
  const model = new GPT(config.gpt, { init: false });
  try {
    await readGptWeights(model, source, `${file(CONFIG_FILE)}'s ${describeShape(config)}`);
  } finally {
    await source.close();
  }
  return { model, tokenizer, config, checkpointId: source.metadata[CHECKPOINT_ID_KEY] ?? null };
}

/** The metadata of a safetensors file, reading only its header (for matching a training state to its weights). */
export async function readSafetensorsMetadata(file: string): Promise<Record<string, string>> {
  const fs = await import('node:fs/promises');
  let handle: Awaited<ReturnType<typeof fs.open>>;
  try {
    handle = await fs.open(file, 'r');
  } catch (err) {
    throw new CheckpointError(`${file}: cannot open (${code(err)})`);
  }
  try {
    const { size } = await handle.stat();
    const prefix = new Uint8Array(8);
    await handle.read(prefix, 0, Math.min(8, size), 0);
    const n = readHeaderLength(prefix, size, file);
    const header = new Uint8Array(n);
    await handle.read(header, 0, n, 8);
    return parseHeader(header, size - 8 - n, file).metadata;
  } finally {
    await handle.close();
  }
}
