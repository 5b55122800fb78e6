// Checkpoint directories as the page handles them: what a user picked, dropped or
// zipped turned into one directory's files (file name -> Blob), checked for the files a
// checkpoint needs before anything is sent to the worker; and the page's own model as a
// zip to download. Zips are read and written with fflate. Pure (no DOM), so the unit
// tests reach every message.
import { unzipSync, zipSync } from 'fflate';
import type { Checked } from './validate';
import { formatBytes } from './validate';
import type { VocabularyInfo } from './vocab';

/** What the worker says about a model it opened (see worker/checkpoint-io.ts). */
export interface OpenedModelInfo {
  /** The directory's or zip's name, as the page shows it. */
  name: string;
  /** 'attn' when attn wrote it (config.json has an "attn" section), 'hub' for a Hugging Face GPT-2. */
  origin: 'attn' | 'hub';
  params: number;
  nLayer: number;
  nHead: number;
  nEmbd: number;
  blockSize: number;
  vocabulary: VocabularyInfo;
  /** The weights' stored dtypes (F32, F16, BF16). */
  dtypes: string[];
  /** Stored size of the weights in bytes. */
  weightBytes: number;
  /** Seconds the load took (reading and checking every tensor). */
  seconds: number;
  /** How far it was trained, when it holds a training state; null otherwise. */
  training: OpenedTraining | null;
}

export interface OpenedTraining {
  steps: number;
  lastLoss: number | null;
  lastValLoss: number | null;
  /** The name its data source recorded: a corpus ("shakespeare", "emma"), a file name, "pasted text". */
  dataName: string;
  /** Characters of the text it trained on (training + held-out). */
  textChars: number;
  /** Why the page cannot continue it, or null when it can (given the text it learned from). */
  cannotContinue: string | null;
}

/** The page's model as a checkpoint directory (file name -> bytes), ready to zip or download one by one. */
export interface SavedCheckpoint {
  /** A name for the zip / directory: "attn-shakespeare-step-120". */
  name: string;
  steps: number;
  files: Array<{ name: string; bytes: ArrayBuffer }>;
}

/** A file as picked or dropped: its path inside what was chosen ("gpt2/config.json", or just "config.json"). */
export interface PickedFile {
  path: string;
  blob: Blob;
}

/** A checkpoint directory ready for the worker. */
export interface CheckpointDirectory {
  /** The directory's (or zip's, or first file's) name, for messages. */
  name: string;
  files: Map<string, Blob>;
}

/** Largest zip the page unpacks: a zip is read whole into memory (a directory is streamed), so big models come as folders. */
export const MAX_ZIP_BYTES = 200_000_000;

/** What a checkpoint directory holds, for messages. */
export const EXPECTED_FILES =
  'config.json, the weights (model.safetensors, or shards with model.safetensors.index.json) and the tokenizer (attn-tokenizer.json, or vocab.json + merges.txt)';

const base = (path: string) => path.slice(path.lastIndexOf('/') + 1);
const dirOf = (path: string) => (path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '');

/** "a, b, c and 4 more" */
function listNames(names: readonly string[], most = 4): string {
  const shown = names.slice(0, most).join(', ');
  return names.length > most ? `${shown} and ${names.length - most} more` : shown;
}

/**
 * The checkpoint directory in a set of picked files: the folder that holds config.json (files in
 * other folders are ignored, so picking a parent of one checkpoint works). Refuses, naming what
 * was picked and what was expected: no config.json, config.json in several folders, no weights,
 * no tokenizer.
 */
export function checkpointDirectory(picked: readonly PickedFile[], chosenName: string): Checked<CheckpointDirectory> {
  const paths = picked.map((p) => p.path.replace(/^\/+/, ''));
  if (picked.length === 0) return { ok: false, message: `${chosenName} holds no files: a checkpoint directory holds ${EXPECTED_FILES}.` };
  const configs = paths.filter((p) => base(p) === 'config.json');
  if (configs.length === 0) {
    return {
      ok: false,
      message: `No config.json in ${chosenName} (${picked.length} file${picked.length === 1 ? '' : 's'}: ${listNames(paths.map(base))}): a checkpoint directory holds ${EXPECTED_FILES}.`,
    };
  }
  if (configs.length > 1) {
    return { ok: false, message: `${chosenName} holds ${configs.length} checkpoints (${listNames(configs)}): pick one of their folders.` };
  }
  const dir = dirOf(configs[0]);
  const files = new Map<string, Blob>();
  picked.forEach((p, i) => {
    if (dirOf(paths[i]) === dir) files.set(base(paths[i]), p.blob);
  });
  const name = dir === '' ? chosenName : base(dir);
  const present = [...files.keys()];
  if (!files.has('model.safetensors') && !files.has('model.safetensors.index.json')) {
    const other = present.find((n) => /^pytorch_model.*\.bin$|\.h5$|\.msgpack$/.test(n));
    const why = other
      ? `it has ${other}, PyTorch's own format; convert it in Python with GPT2LMHeadModel.from_pretrained(dir).save_pretrained(dir, safe_serialization=True)`
      : `it has ${listNames(present)}`;
    return { ok: false, message: `No model.safetensors (or model.safetensors.index.json with its shards) in ${name}: ${why}.` };
  }
  const tokenizer = ['attn-tokenizer.json', 'vocab.json', 'merges.txt', 'tokenizer.json'].filter((n) => files.has(n));
  if (tokenizer.length === 0) {
    return { ok: false, message: `No tokenizer in ${name} (${listNames(present)}): expected attn-tokenizer.json, or vocab.json + merges.txt (GPT-2), or tokenizer.json.` };
  }
  return { ok: true, value: { name, files } };
}

/** The files of a zip (directories skipped), or why it cannot be read. */
export function filesOfZip(bytes: Uint8Array, zipName: string): Checked<PickedFile[]> {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes);
  } catch (err) {
    return { ok: false, message: `${zipName} is not a readable zip file (${(err as Error).message}).` };
  }
  const files = Object.entries(entries)
    .filter(([path]) => !path.endsWith('/') && !path.startsWith('__MACOSX/'))
    .map(([path, data]) => ({ path, blob: new Blob([data as Uint8Array<ArrayBuffer>]) }));
  return { ok: true, value: files };
}

/** Refuses a zip too big to unpack in memory, before it is read. */
export function checkZipSize(name: string, size: number): Checked<number> {
  if (size <= MAX_ZIP_BYTES) return { ok: true, value: size };
  return {
    ok: false,
    message: `${name} is ${formatBytes(size)}; the page unpacks zips of up to ${formatBytes(MAX_ZIP_BYTES)} (a zip is read whole into memory). Unzip it and pick the folder instead: folders of any size are streamed.`,
  };
}

/** A saved checkpoint as one zip: its files in a folder of the checkpoint's name (unzipping gives the directory). */
export function zipCheckpoint(checkpoint: SavedCheckpoint): Uint8Array {
  const tree: Record<string, Uint8Array> = {};
  for (const file of checkpoint.files) tree[`${checkpoint.name}/${file.name}`] = new Uint8Array(file.bytes);
  // Weights barely compress (float32 noise); level 1 keeps saving quick.
  return zipSync(tree, { level: 1 });
}
