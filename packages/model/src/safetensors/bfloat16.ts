// bfloat16 <-> float32, bit by bit. bfloat16 is the top half of a float32
// (sign, the same 8 exponent bits, 7 mantissa bits), so widening is exact: the
// 16 bits move to the top and the low 16 bits are zero. Narrowing rounds to
// nearest, ties to even, as PyTorch's `tensor.to(torch.bfloat16)` does.

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Widens 16 bfloat16 bits to the float32 value they encode (exact, NaN payloads kept). */
export function bfloat16BitsToFloat32(bits: number): number {
  u32[0] = (bits & 0xffff) << 16;
  return f32[0];
}

/** Rounds a float32 value to the nearest bfloat16 (ties to even) and returns its 16 bits. */
export function float32ToBfloat16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0];
  if ((x & 0x7f800000) === 0x7f800000 && (x & 0x7fffff) !== 0) {
    return ((x >>> 16) | 0x40) & 0xffff; // NaN: keep it a (quiet) NaN even if the payload sat in the low half
  }
  const lsb = (x >>> 16) & 1;
  // Adding 0x7fff plus the kept half's lowest bit rounds to nearest, ties to even; a carry
  // into the exponent is the correct result (up to Inf for the largest values).
  return ((x + 0x7fff + lsb) >>> 16) & 0xffff;
}
