// The file names transformers gives a model's weights, and the error for a
// directory that has none of them in safetensors form.

/** The single-file weights name transformers writes. */
export const SAFETENSORS_WEIGHTS_NAME = 'model.safetensors';

/** The index of a sharded safetensors checkpoint (shards: model-0000N-of-0000M.safetensors). */
export const SHARDED_INDEX_NAME = 'model.safetensors.index.json';

/** Weight files of other formats a Hub directory may have instead. */
const OTHER_WEIGHT_FILES = ['pytorch_model.bin', 'pytorch_model.bin.index.json', 'tf_model.h5', 'flax_model.msgpack'];

/** The error for a directory without safetensors weights, naming what it has instead. */
export function missingWeightsMessage(present: ReadonlySet<string>): string {
  const other = OTHER_WEIGHT_FILES.filter((f) => present.has(f));
  const expected = `no ${SAFETENSORS_WEIGHTS_NAME} or ${SHARDED_INDEX_NAME}`;
  if (other.length === 0) return `${expected} in this directory`;
  return (
    `${expected}, only ${other.join(', ')}; convert it to safetensors first, e.g. in Python: ` +
    'GPT2LMHeadModel.from_pretrained(dir).save_pretrained(dir, safe_serialization=True)'
  );
}
