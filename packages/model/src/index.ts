// @attn/model: GPT and encoder-decoder Transformer models, KV cache, safetensors checkpoints.
export {
  MAX_HEADER_BYTES,
  parseSafetensors,
  readSafetensorsHeader,
  SafetensorsError,
  serializeSafetensors,
  type ReadOptions,
  type SafetensorsDType,
  type SafetensorsFile,
  type SafetensorsHeader,
  type SafetensorsHeaderEntry,
  type SafetensorsInput,
  type SafetensorsTensor,
} from './safetensors/format.js';
export { float16BitsToFloat32, float32ToFloat16Bits } from './safetensors/float16.js';
export {
  safetensorsBytesSource,
  shardedTensorSource,
  type TensorInfo,
  type TensorSource,
} from './safetensors/tensor-source.js';
export { CheckpointError, ConfigError } from './errors.js';
export { loadSafetensorsFile, saveSafetensorsFile, writeFileAtomic } from './safetensors/node.js';
// Streaming reader: validate the header, then read one tensor at a time into caller storage (any file size; Node, Blob, sharded).
export { bfloat16BitsToFloat32, float32ToBfloat16Bits } from './safetensors/bfloat16.js';
export { type Float32ConvertibleDType, SAFETENSORS_DTYPE_BYTES, type SafetensorsStoredDType } from './safetensors/dtypes.js';
export { parseSafetensorsLayout, type SafetensorsLayout, type SafetensorsLayoutEntry } from './safetensors/layout.js';
export { BLOB_SCRATCH_BYTES, blobByteSource, type ByteSource, bytesByteSource, DEFAULT_BLOB_CHUNK_BYTES, MAX_READ_BYTES } from './safetensors/byte-source.js';
export { openSafetensorsSource, readSafetensorsLayout, type SafetensorsSource, type SafetensorsTensorInfo } from './safetensors/source.js';
export { openShardedSource, parseShardIndex, type ShardIndex } from './safetensors/sharded.js';
export { missingWeightsMessage, SAFETENSORS_WEIGHTS_NAME, SHARDED_INDEX_NAME } from './safetensors/weights-files.js';
export {
  DEFAULT_FILE_CHUNK_BYTES,
  openFileByteSource,
  openSafetensors,
  type OpenSafetensorsOptions,
  openSafetensorsWeights,
  openShardedSafetensors,
} from './safetensors/node-source.js';
export { type OpenBlobOptions, openSafetensorsBlob, openSafetensorsWeightsFromBlobs, openShardedSafetensorsBlobs } from './safetensors/blob-source.js';
export { GPT2_SMALL, type GPTConfig, gptParameterCount, NANOGPT_CPU, validateGPTConfig } from './gpt/config.js';
export { GPT, type GPTForwardOptions, type GPTOptions, type GPTOutput } from './gpt/gpt.js';
export { gptCheckpointTensors, READ_PIECE_ELEMENTS, type ReadWeightsOptions, readGptWeights, readGptWeightsSync, type WeightsProgress } from './gpt/weights.js';
export { type DecodingState, DecodingSession, type IncrementalLM } from './gpt/decoding.js';
export { gptFromSafetensors, gptFromTensorSource, gptToSafetensors, type LoadGPTOptions, loadGPT, type SaveGPTOptions, saveGPT } from './gpt/checkpoint.js';
export { type AttnConfigSection, type CheckpointConfig, CONFIG_FILE, gptConfigFromHf, gptConfigToHf } from './checkpoint/hf-config.js';
export {
  CHECKPOINT_ID_KEY,
  type CheckpointContents,
  checkpointFromFiles,
  checkpointTensorSource,
  checkpointToFiles,
  hfTokenizerFiles,
  MODEL_FILE,
  newCheckpointId,
  type Pretrained,
  PYTORCH_FILE,
  SPECIAL_TOKENS_FILE,
  TOKENIZER_CONFIG_FILE,
} from './checkpoint/files.js';
export { checkpointFromBlobs, type CheckpointFromBlobsOptions } from './checkpoint/blobs.js';
export {
  checkCheckpointDir,
  loadPretrained,
  prepareCheckpointDir,
  readCheckpointConfig,
  readSafetensorsMetadata,
  saveCheckpoint,
  writeCheckpointFiles,
} from './checkpoint/node.js';
export { TRANSFORMER_DEFAULTS, type TransformerConfig, validateTransformerConfig } from './transformer/config.js';
export {
  Transformer,
  type TransformerAttention,
  type TransformerForwardOptions,
  type TransformerOutput,
  type Seq2SeqDecodingState,
} from './transformer/transformer.js';
export {
  loadTransformer,
  type SaveTransformerOptions,
  saveTransformer,
  transformerFromSafetensors,
  transformerFromSafetensorsFile,
  transformerToSafetensors,
} from './transformer/checkpoint.js';
export {
  readTransformerWeights,
  SEQ2SEQ_MODEL_TYPE,
  type Seq2SeqContents,
  type Seq2SeqPretrained,
  seq2seqCheckpointFromFiles,
  seq2seqCheckpointToFiles,
  seq2seqConfigFromJson,
  seq2seqConfigToJson,
} from './transformer/seq2seq-files.js';
export { loadSeq2SeqCheckpoint, saveSeq2SeqCheckpoint } from './transformer/seq2seq-node.js';
