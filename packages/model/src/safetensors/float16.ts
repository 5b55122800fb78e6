// IEEE 754 half precision <-> single precision, bit by bit.
// safetensors stores F16 as raw binary16; we compute in float32, so F16 tensors
// are widened when read and rounded (to nearest, ties to even) when written.

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Rounds a float32 value to the nearest binary16 and returns its 16 bits. */
export function float32ToFloat16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;

  if (exp === 0xff) {
    // Inf stays Inf; NaN keeps a non-zero (quiet) mantissa.
    return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0);
  }
  // Re-bias the exponent from 127 to 15.
  const halfExp = exp - 127 + 15;
  if (halfExp >= 0x1f) return sign | 0x7c00; // too large: +-Inf
  if (halfExp <= 0) {
    // Subnormal half (or zero): shift the implicit leading 1 into the mantissa.
    if (halfExp < -10) return sign; // rounds to +-0
    mant |= 0x800000;
    const shift = 14 - halfExp; // 14..24 bits dropped
    const halfMant = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    const roundUp = rest > halfway || (rest === halfway && (halfMant & 1) === 1);
    return sign | (halfMant + (roundUp ? 1 : 0)); // a carry lands in the exponent correctly
  }
  // Normal half: keep 10 of the 23 mantissa bits, round the 13 dropped ones.
  const halfMant = mant >>> 13;
  const rest = mant & 0x1fff;
  let bits = sign | (halfExp << 10) | halfMant;
  if (rest > 0x1000 || (rest === 0x1000 && (halfMant & 1) === 1)) bits += 1; // carry may overflow to Inf, as it should
  return bits;
}

/** Widens 16 binary16 bits to the float32 (exact) value they encode. */
export function float16BitsToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24; // zero or subnormal
  if (exp === 0x1f) return mant === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/**
 * bfloat16 (brain float: float32's sign and 8-bit exponent, 7 mantissa bits) -> float32.
 * A bfloat16 is exactly the top half of a float32, so widening is a shift.
 */
export function bfloat16BitsToFloat32(bits: number): number {
  u32[0] = (bits & 0xffff) << 16;
  return f32[0];
}

/** Rounds a float32 to the nearest bfloat16 (ties to even; NaN stays NaN) and returns its 16 bits. */
export function float32ToBfloat16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0];
  if ((x & 0x7f800000) === 0x7f800000 && (x & 0x7fffff) !== 0) return ((x >>> 16) | 0x40) & 0xffff; // quiet NaN
  const rounded = x + 0x7fff + ((x >>> 16) & 1);
  return (rounded >>> 16) & 0xffff;
}
