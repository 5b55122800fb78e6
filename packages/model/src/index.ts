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
