// Principal component analysis down to two dimensions, for embedding maps.
//
// X is n x d (n vectors of dimension d). After centring each column, the
// principal axes are the top eigenvectors of the covariance C = XᵀX / (n - 1),
// found by power iteration (v ← C v, normalise, repeat). The second axis
// repeats the iteration while projecting out the first (Gram–Schmidt
// deflation). We iterate on the smaller of two matrices, picked by shape:
//   - d ≤ n: the d x d covariance C itself;
//   - d > n (a few tokens with wide embeddings): the n x n Gram matrix
//     G = XXᵀ / (n - 1). It has the same non-zero eigenvalues as C, and an
//     eigenvector u of G gives the axis Xᵀu / ‖Xᵀu‖ of C.
import { checkMatrix, fail } from './validate.js';

export interface Pca2dResult {
  /** Each input vector projected onto the two axes: [pc1, pc2]. */
  points: [number, number][];
  /** The two unit-length principal axes, each of dimension d. */
  components: [number[], number[]];
  /** Variance of the data along each axis (eigenvalues of the covariance, divisor n - 1). */
  explainedVariance: [number, number];
  /** Share of the total variance each axis explains (0 when the data has no variance). */
  explainedVarianceRatio: [number, number];
  /** The column means that were subtracted. */
  mean: number[];
}

export interface Pca2dOptions {
  /** Maximum power-iteration steps per axis (default 1000). */
  maxIterations?: number;
  /** Stop when the axis moves less than this between steps (default 1e-13). */
  tolerance?: number;
}

const FN = 'pca2d';

/**
 * Project vectors onto their two principal axes. Signs are made deterministic:
 * each axis is flipped so that its largest-magnitude coordinate is positive.
 */
export function pca2d(vectors: number[][], options: Pca2dOptions = {}): Pca2dResult {
  checkMatrix(FN, 'vectors', vectors);
  const n = vectors.length;
  if (n === 0) fail(FN, 'vectors must hold at least one vector');
  const d = vectors[0].length;
  if (d === 0) fail(FN, 'vectors must have at least one dimension');
  const maxIterations = options.maxIterations ?? 1000;
  const tolerance = options.tolerance ?? 1e-13;

  // Centre the data: X (n, d) in a flat Float64Array, row-major.
  const mean = new Array<number>(d).fill(0);
  for (const v of vectors) for (let j = 0; j < d; j++) mean[j] += v[j] / n;
  const X = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) X[i * d + j] = vectors[i][j] - mean[j];

  let totalVariance = 0;
  for (let k = 0; k < X.length; k++) totalVariance += X[k] * X[k];
  totalVariance /= Math.max(1, n - 1);

  const iteration = { totalVariance, maxIterations, tolerance };
  const { axes, variances } = d <= n ? axesFromCovariance(X, n, d, iteration) : axesFromGram(X, n, d, iteration);

  const points = vectors.map((_, i): [number, number] => {
    let p1 = 0;
    let p2 = 0;
    for (let j = 0; j < d; j++) {
      p1 += X[i * d + j] * axes[0][j];
      p2 += X[i * d + j] * axes[1][j];
    }
    return [p1, p2];
  });
  const ratio = (v: number) => (totalVariance > 0 ? v / totalVariance : 0);
  return {
    points,
    components: [Array.from(axes[0]), Array.from(axes[1])],
    explainedVariance: [variances[0], variances[1]],
    explainedVarianceRatio: [ratio(variances[0]), ratio(variances[1])],
    mean,
  };
}

interface IterationSettings {
  /** Sum of the variances along every direction (trace of C); the scale for "no variance left". */
  totalVariance: number;
  maxIterations: number;
  tolerance: number;
}

/** The two axes by power iteration on the covariance C = XᵀX / (n - 1), formed once. */
function axesFromCovariance(X: Float64Array, n: number, d: number, settings: IterationSettings): { axes: Float64Array[]; variances: number[] } {
  const C = symmetricProduct(X, n, d, 'columns'); // (d, d)
  const axes: Float64Array[] = [];
  const variances: number[] = [];
  for (let a = 0; a < 2; a++) {
    if (a >= d) {
      // d = 1: there is no second axis; report a zero axis with zero variance.
      axes.push(new Float64Array(d));
      variances.push(0);
      continue;
    }
    const { vector, variance } = topEigenvector(C, axes, settings);
    axes.push(variance > 0 ? fixSign(vector) : fallbackAxis(d, axes));
    variances.push(variance);
  }
  return { axes, variances };
}

/** The two axes from eigenvectors u of the Gram matrix G = XXᵀ / (n - 1): axis = Xᵀu / ‖Xᵀu‖. */
function axesFromGram(X: Float64Array, n: number, d: number, settings: IterationSettings): { axes: Float64Array[]; variances: number[] } {
  const G = symmetricProduct(X, n, d, 'rows'); // (n, n)
  const us: Float64Array[] = [];
  const axes: Float64Array[] = [];
  const variances: number[] = [];
  for (let a = 0; a < 2; a++) {
    const { vector: u, variance } = topEigenvector(G, us, settings);
    let axis: Float64Array = new Float64Array(d);
    if (variance > 0) {
      us.push(u);
      for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) axis[j] += X[i * d + j] * u[i]; // Xᵀu, (d,)
      orthogonalise(axis, axes); // exact eigenvectors give orthogonal axes; this removes the round-off
      axis = normalise(axis) > 0 ? fixSign(axis) : fallbackAxis(d, axes);
    } else axis = fallbackAxis(d, axes);
    axes.push(axis);
    variances.push(variance);
  }
  return { axes, variances };
}

/**
 * XᵀX / (n - 1) ('columns', d x d) or XXᵀ / (n - 1) ('rows', n x n) for X (n, d)
 * row-major, as a flat row-major symmetric matrix. Only the upper triangle is
 * computed; the lower one is copied from it.
 */
function symmetricProduct(X: Float64Array, n: number, d: number, of: 'columns' | 'rows'): { m: number; data: Float64Array } {
  const m = of === 'columns' ? d : n;
  const data = new Float64Array(m * m);
  const divisor = Math.max(1, n - 1);
  for (let a = 0; a < m; a++) {
    for (let b = a; b < m; b++) {
      let s = 0;
      if (of === 'columns') for (let i = 0; i < n; i++) s += X[i * d + a] * X[i * d + b];
      else for (let j = 0; j < d; j++) s += X[a * d + j] * X[b * d + j];
      data[a * m + b] = data[b * m + a] = s / divisor;
    }
  }
  return { m, data };
}

/**
 * Power iteration for the top eigenvector of the symmetric matrix M orthogonal
 * to the `previous` (unit) vectors. Returns variance 0 when nothing is left.
 * When two eigenvalues are nearly equal the vector converges slowly (and is
 * barely defined); we then stop at `maxIterations` with a vector inside that
 * near-degenerate plane, which is as good as any for a plot.
 */
function topEigenvector(
  M: { m: number; data: Float64Array },
  previous: Float64Array[],
  { totalVariance, maxIterations, tolerance }: IterationSettings,
): { vector: Float64Array; variance: number } {
  const m = M.m;
  // A fixed, "generic" start vector (not aligned with any axis), so results are reproducible.
  let v: Float64Array = new Float64Array(m);
  for (let j = 0; j < m; j++) v[j] = 1 + ((j * 0.6180339887) % 1);
  orthogonalise(v, previous);
  if (totalVariance === 0 || normalise(v) === 0) return { vector: v, variance: 0 };

  let variance = 0;
  for (let iter = 0; iter < maxIterations; iter++) {
    const w = new Float64Array(m); // w = M v
    for (let a = 0; a < m; a++) {
      let s = 0;
      for (let b = 0; b < m; b++) s += M.data[a * m + b] * v[b];
      w[a] = s;
    }
    orthogonalise(w, previous);
    variance = normalise(w); // ‖M v‖ → λ as v converges
    // Variance at round-off level means no direction is left: normalising that
    // noise would give an arbitrary (even non-orthogonal) vector.
    if (variance <= 1e-12 * totalVariance) return { vector: w, variance: 0 };
    // Orthogonalise once more: after a big cancellation one pass is not enough.
    orthogonalise(w, previous);
    normalise(w);
    let change = 0;
    for (let j = 0; j < m; j++) change = Math.max(change, Math.abs(w[j] - v[j]));
    v = w;
    if (change < tolerance) break;
  }
  return { vector: v, variance };
}

/** Subtract from v its projection on each (unit) axis. */
function orthogonalise(v: Float64Array, axes: Float64Array[]): void {
  for (const axis of axes) {
    let dot = 0;
    for (let j = 0; j < v.length; j++) dot += v[j] * axis[j];
    for (let j = 0; j < v.length; j++) v[j] -= dot * axis[j];
  }
}

/** Scale v to unit length in place; returns its previous length. */
function normalise(v: Float64Array): number {
  let norm = 0;
  for (let j = 0; j < v.length; j++) norm += v[j] * v[j];
  norm = Math.sqrt(norm);
  if (norm < 1e-300) return 0;
  for (let j = 0; j < v.length; j++) v[j] /= norm;
  return norm;
}

/** With no variance left, any unit vector orthogonal to the earlier axes will do: pick a basis vector. */
function fallbackAxis(d: number, previous: Float64Array[]): Float64Array {
  for (let k = 0; k < d; k++) {
    const e = new Float64Array(d);
    e[k] = 1;
    orthogonalise(e, previous);
    if (normalise(e) > 1e-8) return fixSign(e);
  }
  return new Float64Array(d);
}

/** Flip so the coordinate of largest magnitude is positive (a deterministic sign). */
function fixSign(v: Float64Array): Float64Array {
  let best = 0;
  for (let j = 1; j < v.length; j++) if (Math.abs(v[j]) > Math.abs(v[best]) + 1e-12) best = j;
  if (v[best] < 0) for (let j = 0; j < v.length; j++) v[j] = -v[j];
  return v;
}
