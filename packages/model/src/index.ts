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
export { loadSafetensorsFile, saveSafetensorsFile, writeFileAtomic } from './safetensors/node.js';
export { GPT2_SMALL, type GPTConfig, gptParameterCount, NANOGPT_CPU, validateGPTConfig } from './gpt/config.js';
export { GPT, type GPTForwardOptions, type GPTOptions, type GPTOutput, gptTensorShapes } from './gpt/gpt.js';
export { type DecodingState, DecodingSession, type IncrementalLM } from './gpt/decoding.js';
export { gptFromSafetensors, gptFromSafetensorsFile, gptToSafetensors, type LoadGPTOptions, loadGPT, type SaveGPTOptions, saveGPT } from './gpt/checkpoint.js';
export { TRANSFORMER_DEFAULTS, type TransformerConfig, validateTransformerConfig } from './transformer/config.js';
export {
  Transformer,
  type TransformerAttention,
  type TransformerForwardOptions,
  type TransformerOutput,
  type TranslateOptions,
  type Translation,
} from './transformer/transformer.js';
export {
  loadTransformer,
  type SaveTransformerOptions,
  saveTransformer,
  transformerFromSafetensors,
  transformerFromSafetensorsFile,
  transformerToSafetensors,
} from './transformer/checkpoint.js';
