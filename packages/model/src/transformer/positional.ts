// Sinusoidal position encodings (Vaswani et al. 2017, section 3.5):
//   PE[pos, 2i]   = sin(pos / 10000^(2i / d))
//   PE[pos, 2i+1] = cos(pos / 10000^(2i / d))
// Fixed, not learned: each dimension is a sinusoid of a different wavelength, so
// a relative offset is a linear function of the encodings.
import { fromArray, type Tensor } from '@attn/tensor';

/** The (maxLen, d) table of sinusoidal encodings. */
export function sinusoidalPositions(maxLen: number, d: number): Tensor {
  const table = new Float32Array(maxLen * d);
  for (let pos = 0; pos < maxLen; pos++) {
    for (let i = 0; i < d; i += 2) {
      const angle = pos / 10000 ** (i / d);
      table[pos * d + i] = Math.sin(angle);
      if (i + 1 < d) table[pos * d + i + 1] = Math.cos(angle);
    }
  }
  return fromArray(table, [maxLen, d]); // (maxLen, d)
}
