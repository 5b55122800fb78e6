// Stored tensor bytes (little-endian F32, F16 or BF16) -> float32, written into
// a caller's Float32Array at an element offset. The streaming reader calls this
// once per chunk, so a tensor is converted piece by piece straight into its
// final storage.
//
// Fast paths view the bytes as Uint16/Float32 words (little-endian hosts, and the
// chunk's byteOffset aligned to the element size); the reference path beside
// each reads element by element through a DataView with an explicit byte order.
import { bfloat16BitsToFloat32 } from './bfloat16.js';
import type { Float32ConvertibleDType } from './dtypes.js';
import { float16BitsToFloat32 } from './float16.js';

const hostIsLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

let float16Table: Float32Array | undefined;

/** float32 value of every binary16 bit pattern (256 KiB, built on first use from the reference conversion). */
function float16ToFloat32Table(): Float32Array {
  if (!float16Table) {
    float16Table = new Float32Array(65536);
    for (let bits = 0; bits < 65536; bits++) float16Table[bits] = float16BitsToFloat32(bits);
  }
  return float16Table;
}

/** Reference path: element by element, explicit little-endian reads. */
export function storedToFloat32Reference(bytes: Uint8Array, dtype: Float32ConvertibleDType, out: Float32Array, outOffset: number): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dtype === 'F32') {
    const n = bytes.byteLength / 4;
    for (let i = 0; i < n; i++) out[outOffset + i] = view.getFloat32(4 * i, true);
    return;
  }
  const widen = dtype === 'F16' ? float16BitsToFloat32 : bfloat16BitsToFloat32;
  const n = bytes.byteLength / 2;
  for (let i = 0; i < n; i++) out[outOffset + i] = widen(view.getUint16(2 * i, true));
}

/**
 * Converts `bytes` (a whole number of elements of `dtype`) to float32 and writes them
 * to out[outOffset ...]. Throws a RangeError if they do not fit.
 */
export function storedToFloat32(bytes: Uint8Array, dtype: Float32ConvertibleDType, out: Float32Array, outOffset: number): void {
  const size = dtype === 'F32' ? 4 : 2;
  if (bytes.byteLength % size !== 0) throw new RangeError(`storedToFloat32: ${bytes.byteLength} bytes is not a whole number of ${dtype} elements`);
  const n = bytes.byteLength / size;
  if (outOffset < 0 || outOffset + n > out.length) throw new RangeError(`storedToFloat32: ${n} elements do not fit at offset ${outOffset} of ${out.length}`);
  if (!hostIsLittleEndian || bytes.byteOffset % size !== 0) {
    storedToFloat32Reference(bytes, dtype, out, outOffset);
    return;
  }
  if (dtype === 'F32') {
    out.set(new Float32Array(bytes.buffer, bytes.byteOffset, n), outOffset);
  } else if (dtype === 'F16') {
    const table = float16ToFloat32Table();
    const halves = new Uint16Array(bytes.buffer, bytes.byteOffset, n);
    for (let i = 0; i < n; i++) out[outOffset + i] = table[halves[i]];
  } else {
    // BF16 is the top half of a float32: shift the 16 bits up, write the float32 bit pattern.
    const halves = new Uint16Array(bytes.buffer, bytes.byteOffset, n);
    const words = new Uint32Array(out.buffer, out.byteOffset + 4 * outOffset, n);
    for (let i = 0; i < n; i++) words[i] = halves[i] << 16;
  }
}
