// Principal component analysis down to two dimensions, for embedding maps.
//
// X is n x d (n vectors of dimension d). After centring each column, the
// principal axes are the top eigenvectors of the covariance C = XᵀX / (n - 1),
// found by power iteration (v ← C v, normalise, repeat). The second axis
// repeats the iteration while projecting out the first (Gram–Schmidt
// deflation). Multiplying by C can be done two ways, picked by shape:
//   - d ≤ n: form C once (O(n·d²)), then each step costs O(d²);
//   - d > n: never form C; compute Xᵀ(X v) / (n - 1), O(n·d) per step.
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

  const multiply = d <= n ? explicitCovariance(X, n, d) : implicitCovariance(X, n, d);
  const axes: Float64Array[] = [];
  const variances: number[] = [];
  for (let a = 0; a < 2; a++) {
    if (a >= d) {
      // d = 1: there is no second axis; report a zero axis with zero variance.
      axes.push(new Float64Array(d));
      variances.push(0);
      continue;
    }
    const { axis, variance } = topEigenvector(multiply, d, axes, totalVariance, maxIterations, tolerance);
    axes.push(axis);
    variances.push(variance);
  }

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

/** v ↦ C v for the covariance C of the centred data. */
type CovarianceProduct = (v: Float64Array) => Float64Array;

/** Form C = XᵀX / (n - 1) once, (d, d) row-major; then C v is a plain mat-vec. */
function explicitCovariance(X: Float64Array, n: number, d: number): CovarianceProduct {
  const C = new Float64Array(d * d);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < d; a++) {
      const xa = X[i * d + a];
      if (xa === 0) continue;
      for (let b = a; b < d; b++) C[a * d + b] += xa * X[i * d + b];
    }
  }
  const divisor = Math.max(1, n - 1);
  for (let a = 0; a < d; a++) {
    for (let b = a; b < d; b++) {
      C[a * d + b] /= divisor;
      C[b * d + a] = C[a * d + b]; // symmetric: fill the lower triangle from the upper
    }
  }
  return (v) => {
    const w = new Float64Array(d);
    for (let a = 0; a < d; a++) {
      let s = 0;
      for (let b = 0; b < d; b++) s += C[a * d + b] * v[b];
      w[a] = s;
    }
    return w;
  };
}

/** C v = Xᵀ (X v) / (n - 1) without forming C: cheaper when d > n. */
function implicitCovariance(X: Float64Array, n: number, d: number): CovarianceProduct {
  const Xv = new Float64Array(n);
  return (v) => {
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += X[i * d + j] * v[j];
      Xv[i] = s; // (n,)
    }
    const w = new Float64Array(d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) w[j] += X[i * d + j] * Xv[i];
    for (let j = 0; j < d; j++) w[j] /= Math.max(1, n - 1);
    return w; // (d,)
  };
}

/**
 * Power iteration for the top eigenvector of C orthogonal to the `previous`
 * axes. When two variances are nearly equal the axis converges slowly (and is
 * barely defined); we then stop at `maxIterations` with an axis inside that
 * near-degenerate plane, which is as good as any for a plot.
 */
function topEigenvector(
  multiply: CovarianceProduct,
  d: number,
  previous: Float64Array[],
  totalVariance: number,
  maxIterations: number,
  tolerance: number,
): { axis: Float64Array; variance: number } {
  // A fixed, "generic" start vector (not aligned with any axis), so results are reproducible.
  let v: Float64Array = new Float64Array(d);
  for (let j = 0; j < d; j++) v[j] = 1 + ((j * 0.6180339887) % 1);
  orthogonalise(v, previous);
  if (totalVariance === 0 || normalise(v) === 0) return { axis: fallbackAxis(d, previous), variance: 0 };

  let variance = 0;
  for (let iter = 0; iter < maxIterations; iter++) {
    const w = multiply(v);
    orthogonalise(w, previous);
    variance = normalise(w); // ‖C v‖ → λ as v converges
    // Variance at round-off level means no direction is left: normalising that
    // noise would give an arbitrary (even non-orthogonal) axis.
    if (variance <= 1e-12 * totalVariance) return { axis: fallbackAxis(d, previous), variance: 0 };
    // Orthogonalise once more: after a big cancellation one pass is not enough.
    orthogonalise(w, previous);
    normalise(w);
    let change = 0;
    for (let j = 0; j < d; j++) change = Math.max(change, Math.abs(w[j] - v[j]));
    v = w;
    if (change < tolerance) break;
  }
  return { axis: fixSign(v), variance };
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
