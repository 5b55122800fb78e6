// Input checks. Every renderer validates its arguments up front and throws an
// error that names the function, the argument and what was expected, instead
// of drawing garbage or failing deep inside a loop.

export function fail(fn: string, message: string): never {
  throw new Error(`${fn}: ${message}`);
}

export function checkFiniteNumber(fn: string, what: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    fail(fn, `${what} must be a finite number, got ${describe(value)}`);
  }
  return value;
}

/** A rectangular matrix of finite numbers, `rows` x `cols` when those are given. */
export function checkMatrix(fn: string, what: string, m: unknown, rows?: number, cols?: number): number[][] {
  if (!Array.isArray(m)) fail(fn, `${what} must be an array of rows (number[][]), got ${describe(m)}`);
  if (rows !== undefined && m.length !== rows) {
    fail(fn, `${what} has ${m.length} rows but ${rows} were expected`);
  }
  const width = cols ?? (m.length > 0 && Array.isArray(m[0]) ? m[0].length : 0);
  m.forEach((row, i) => {
    if (!Array.isArray(row) && !ArrayBuffer.isView(row)) {
      fail(fn, `${what}[${i}] must be an array of numbers, got ${describe(row)}`);
    }
    const r = row as ArrayLike<unknown>;
    if (r.length !== width) fail(fn, `${what}[${i}] has ${r.length} values but ${width} were expected`);
    for (let j = 0; j < r.length; j++) checkFiniteNumber(fn, `${what}[${i}][${j}]`, r[j]);
  });
  return m as number[][];
}

export function checkLabels(fn: string, what: string, labels: unknown, count?: number): string[] {
  if (!Array.isArray(labels)) fail(fn, `${what} must be an array of strings, got ${describe(labels)}`);
  labels.forEach((label, i) => {
    if (typeof label !== 'string') fail(fn, `${what}[${i}] must be a string, got ${describe(label)}`);
  });
  if (count !== undefined && labels.length !== count) {
    fail(fn, `${what} has ${labels.length} labels but the data has ${count}`);
  }
  return labels as string[];
}

export function checkDomain(fn: string, domain: unknown): [number, number] {
  if (!Array.isArray(domain) || domain.length !== 2) fail(fn, `domain must be [low, high], got ${describe(domain)}`);
  const [lo, hi] = domain;
  checkFiniteNumber(fn, 'domain[0]', lo);
  checkFiniteNumber(fn, 'domain[1]', hi);
  if (!(hi > lo)) fail(fn, `domain must have high > low, got [${lo}, ${hi}]`);
  return [lo, hi];
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value);
  if (typeof value === 'object') return 'an object';
  return String(value);
}
