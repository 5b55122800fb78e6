// The element types the safetensors format defines, with their sizes in bytes.
// The streaming reader accepts every one of them in a header (a file may carry,
// say, a U8 mask buffer the model never reads) and converts the floating-point
// ones a model needs (F32, F16, BF16) to float32 when a tensor is read.

/** Bytes per element of every whole-byte dtype in the safetensors format. */
export const SAFETENSORS_DTYPE_BYTES = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  I64: 8,
  U64: 8,
  F64: 8,
} as const;

/** Any dtype a safetensors header may name (and this reader can lay out). */
export type SafetensorsStoredDType = keyof typeof SAFETENSORS_DTYPE_BYTES;

/** The dtypes `readInto` converts to float32. */
export type Float32ConvertibleDType = 'F32' | 'F16' | 'BF16';

/** Newer sub-byte dtypes of the format, named in the error rather than called unknown. */
export const SUB_BYTE_DTYPES: ReadonlySet<string> = new Set(['F4', 'F6_E2M3', 'F6_E3M2', 'F8_E8M0']);

export function isStoredDType(dtype: string): dtype is SafetensorsStoredDType {
  return Object.hasOwn(SAFETENSORS_DTYPE_BYTES, dtype);
}

export function isFloat32Convertible(dtype: string): dtype is Float32ConvertibleDType {
  return dtype === 'F32' || dtype === 'F16' || dtype === 'BF16';
}
