// The streaming safetensors reader: header validation, F32/F16/BF16 conversion
// against hand-computed bit patterns and PyTorch's own conversion, chunked reads
// (never more than chunkBytes at once), Blobs, sharded checkpoints, and a sparse
// file with tensors beyond 2 GiB and 4 GiB.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  bfloat16BitsToFloat32,
  BLOB_SCRATCH_BYTES,
  blobByteSource,
  type ByteSource,
  bytesByteSource,
  float16BitsToFloat32,
  float32ToBfloat16Bits,
  loadSafetensorsFile,
  MAX_READ_BYTES,
  openSafetensors,
  openSafetensorsBlob,
  openSafetensorsSource,
  openSafetensorsWeights,
  openSafetensorsWeightsFromBlobs,
  openShardedSafetensors,
  openShardedSafetensorsBlobs,
  SafetensorsError,
  type SafetensorsSource,
  serializeSafetensors,
} from '../src/index.js';
import { storedToFloat32, storedToFloat32Reference } from '../src/safetensors/to-float32.js';

const FIXTURES = path.join(__dirname, 'fixtures/hub');
const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'attn-st-stream-'));
afterAll(() => fs.rmSync(tmpDir, { recursive: true, force: true }));

interface RawTensor {
  dtype: string;
  shape: number[];
  /** The stored bytes, little-endian. */
  bytes: Uint8Array;
}

/** Lays tensors out in the given order (no alignment padding between them) behind a header; returns the file bytes. */
function buildFile(tensors: Record<string, RawTensor>, metadata?: Record<string, string>, headerPadTo = 8): Uint8Array<ArrayBuffer> {
  const header: Record<string, unknown> = metadata ? { __metadata__: metadata } : {};
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.bytes.length] };
    offset += t.bytes.length;
  }
  let text = JSON.stringify(header);
  text += ' '.repeat((headerPadTo - (text.length % headerPadTo)) % headerPadTo);
  return withHeader(text, concat(Object.values(tensors).map((t) => t.bytes)));
}

/** 8-byte little-endian length, the header text, then `data`. */
function withHeader(headerText: string, data: Uint8Array = new Uint8Array(0), lengthOverride?: number): Uint8Array<ArrayBuffer> {
  const header = new TextEncoder().encode(headerText);
  const out = new Uint8Array(8 + header.length + data.length);
  const view = new DataView(out.buffer);
  const n = lengthOverride ?? header.length;
  view.setUint32(0, n % 2 ** 32, true);
  view.setUint32(4, Math.floor(n / 2 ** 32), true);
  out.set(header, 8);
  out.set(data, 8 + header.length);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Little-endian bytes of 16-bit words. */
function u16le(words: number[]): Uint8Array {
  const out = new Uint8Array(2 * words.length);
  words.forEach((w, i) => {
    out[2 * i] = w & 0xff;
    out[2 * i + 1] = w >>> 8;
  });
  return out;
}

/** Little-endian bytes of float32 values. */
function f32le(values: number[]): Uint8Array {
  const out = new Uint8Array(4 * values.length);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(4 * i, values[i], true);
  return out;
}

// Hand-checked bit patterns: (binary16 bits, value) and (bfloat16 bits, value).
const F16_CASES: [number, number][] = [
  [0x3c00, 1],
  [0xc000, -2],
  [0x3555, 0.333251953125], // 1/3 rounded: 1.0101010101b x 2^-2
  [0x7bff, 65504], // largest finite
  [0x0001, 2 ** -24], // smallest subnormal
  [0x0400, 2 ** -14], // smallest normal
  [0x8000, -0],
  [0xfc00, Number.NEGATIVE_INFINITY],
];
const BF16_CASES: [number, number][] = [
  [0x3f80, 1],
  [0xc000, -2],
  [0x4049, 3.140625], // pi truncated: 1.1001001b x 2^1
  [0x3eab, 0.333984375], // 1.0101011b x 2^-2
  [0x7f7f, 3.3895313892515355e38], // largest finite: (2 - 2^-7) x 2^127
  [0x0001, 2 ** -133], // smallest subnormal: 2^-7 x 2^-126
  [0x0080, 2 ** -126], // smallest normal
  [0x8000, -0],
  [0x7f80, Number.POSITIVE_INFINITY],
];

async function readAll(source: SafetensorsSource): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const name of source.tensors.keys()) out[name] = Array.from(await source.readFloat32(name));
  return out;
}

describe('bfloat16 conversion', () => {
  it('widens hand-checked bit patterns exactly', () => {
    for (const [bits, value] of BF16_CASES) expect(Object.is(bfloat16BitsToFloat32(bits), value)).toBe(true);
    expect(bfloat16BitsToFloat32(0x7fc0)).toBeNaN();
  });

  it('narrows to nearest, ties to even', () => {
    expect(float32ToBfloat16Bits(1)).toBe(0x3f80);
    expect(float32ToBfloat16Bits(1 + 2 ** -8)).toBe(0x3f80); // halfway between 0x3f80 and 0x3f81: even
    expect(float32ToBfloat16Bits(1 + 3 * 2 ** -8)).toBe(0x3f82); // halfway between 0x3f81 and 0x3f82: even
    expect(float32ToBfloat16Bits(1 + 2 ** -8 + 2 ** -20)).toBe(0x3f81); // just above halfway: up
    expect(float32ToBfloat16Bits(Math.PI)).toBe(0x4049);
    expect(float32ToBfloat16Bits(3.4028234663852886e38)).toBe(0x7f80); // float32 max rounds up to Inf
    expect(float32ToBfloat16Bits(-0)).toBe(0x8000);
    const nan = float32ToBfloat16Bits(Number.NaN);
    expect(nan & 0x7f80).toBe(0x7f80);
    expect(nan & 0x7f).not.toBe(0);
  });

  it('every bfloat16 survives a round trip through float32', () => {
    const bad: number[] = [];
    for (let bits = 0; bits < 65536; bits++) {
      if ((bits & 0x7f80) === 0x7f80 && (bits & 0x7f) !== 0) continue; // NaN
      if (float32ToBfloat16Bits(bfloat16BitsToFloat32(bits)) !== bits) bad.push(bits);
    }
    expect(bad).toEqual([]);
  });
});

describe('stored bytes -> float32', () => {
  it('converts hand-checked F16 and BF16 words, fast and reference paths alike', () => {
    for (const [dtype, cases] of [
      ['F16', F16_CASES],
      ['BF16', BF16_CASES],
    ] as const) {
      const bytes = u16le(cases.map((c) => c[0]));
      const fast = new Float32Array(cases.length + 2).fill(7);
      storedToFloat32(bytes, dtype, fast, 1);
      const reference = new Float32Array(cases.length + 2).fill(7);
      storedToFloat32Reference(bytes, dtype, reference, 1);
      const expected = [7, ...cases.map((c) => Math.fround(c[1])), 7];
      expect(Array.from(fast).map((x, i) => Object.is(x, expected[i]))).toEqual(expected.map(() => true));
      expect(Array.from(reference)).toEqual(Array.from(fast));
    }
  });

  it('takes the reference path for bytes at an odd offset and gets the same values', () => {
    const words = BF16_CASES.map((c) => c[0]);
    const padded = new Uint8Array(1 + 2 * words.length);
    padded.set(u16le(words), 1);
    const out = new Float32Array(words.length);
    storedToFloat32(padded.subarray(1), 'BF16', out, 0);
    expect(Array.from(out)).toEqual(BF16_CASES.map((c) => Math.fround(c[1])));
    const f32 = new Uint8Array(1 + 8);
    f32.set(f32le([1.5, -0.25]), 1);
    const out32 = new Float32Array(2);
    storedToFloat32(f32.subarray(1), 'F32', out32, 0);
    expect(Array.from(out32)).toEqual([1.5, -0.25]);
  });

  it('refuses a partial element or an overflowing destination', () => {
    expect(() => storedToFloat32(new Uint8Array(3), 'F16', new Float32Array(4), 0)).toThrow(/whole number/);
    expect(() => storedToFloat32(new Uint8Array(8), 'F32', new Float32Array(2), 1)).toThrow(/do not fit/);
  });
});

describe('PyTorch conversions (fixtures/hub/dtypes.safetensors, written by make_hub_checkpoints.py)', () => {
  it('F16 and BF16 -> float32 agree with torch .float() for all 65,536 bit patterns', async () => {
    const source = await openSafetensors(path.join(FIXTURES, 'dtypes.safetensors'));
    try {
      expect(source.tensors.get('f16_all')).toMatchObject({ dtype: 'F16', shape: [65536] });
      expect(source.tensors.get('bf16_all')).toMatchObject({ dtype: 'BF16', shape: [65536] });
      for (const prefix of ['f16', 'bf16']) {
        const mine = await source.readFloat32(`${prefix}_all`);
        const torch = await source.readFloat32(`${prefix}_all_as_f32`);
        const mineBits = new Uint32Array(mine.buffer);
        const torchBits = new Uint32Array(torch.buffer);
        const mismatches: number[] = [];
        for (let i = 0; i < 65536; i++) {
          const same = Number.isNaN(torch[i]) ? Number.isNaN(mine[i]) : mineBits[i] === torchBits[i];
          if (!same) mismatches.push(i);
        }
        expect(mismatches).toEqual([]);
      }
      // BF16 widening keeps NaN payloads bit for bit, as torch does.
      const bf = new Uint32Array((await source.readFloat32('bf16_all')).buffer);
      const tbf = new Uint32Array((await source.readFloat32('bf16_all_as_f32')).buffer);
      expect(bf).toEqual(tbf);
      // And the F16 table matches the scalar reference conversion.
      const f16 = await source.readFloat32('f16_all');
      for (const bits of [0, 1, 0x3c00, 0x7bff, 0x8001, 0xfbff]) expect(f16[bits]).toBe(Math.fround(float16BitsToFloat32(bits)));
      expect(Array.from(await source.readFloat32('f32_specials')).slice(0, 4)).toEqual([0, -0, 1, -2.5]);
    } finally {
      await source.close();
    }
  });

  it('readRange reads any element range, F16 and BF16 widened alike, through small chunks', async () => {
    const source = await openSafetensors(path.join(FIXTURES, 'dtypes.safetensors'), { chunkBytes: 64 });
    try {
      for (const name of ['f16_all', 'bf16_all', 'bf16_all_as_f32']) {
        const whole = await source.readFloat32(name);
        for (const [start, length] of [[0, 1], [1, 33], [1000, 4097], [65535, 1], [30000, 0]]) {
          const part = new Float32Array(length);
          await source.readRange(name, start, part);
          expect(new Uint32Array(part.buffer), `${name} [${start}, +${length})`).toEqual(new Uint32Array(whole.buffer.slice(4 * start, 4 * (start + length))));
        }
      }
      await expect(source.readRange('f16_all', 65530, new Float32Array(7))).rejects.toThrow(/tensor "f16_all" has 65536 elements; \[65530, 65537\) is outside it/);
      await expect(source.readRange('f16_all', -1, new Float32Array(1))).rejects.toThrow(/is outside it/);
    } finally {
      await source.close();
    }
  });
});

describe('reading tensors', () => {
  const f32 = [1.5, -2.25, 3e-3, 1e6, 0, -0.5, 7];
  const tensors = {
    half: { dtype: 'F16', shape: [F16_CASES.length], bytes: u16le(F16_CASES.map((c) => c[0])) },
    // Nine BF16 elements put the F32 tensor after them at an offset that is 2 mod 4: legal, if unusual.
    brain: { dtype: 'BF16', shape: [3, 3], bytes: u16le(BF16_CASES.map((c) => c[0])) },
    weights: { dtype: 'F32', shape: [7], bytes: f32le(f32) },
    ids: { dtype: 'I64', shape: [2], bytes: new Uint8Array(16).fill(1) },
    scalar: { dtype: 'F32', shape: [], bytes: f32le([42]) },
    empty: { dtype: 'F32', shape: [0, 4], bytes: new Uint8Array(0) },
  };
  const fileBytes = buildFile(tensors, { format: 'pt' });
  const filePath = path.join(tmpDir, 'mixed.safetensors');
  fs.writeFileSync(filePath, fileBytes);
  const expected = {
    half: F16_CASES.map((c) => Math.fround(c[1])),
    brain: BF16_CASES.map((c) => Math.fround(c[1])),
    weights: f32.map(Math.fround),
    scalar: [42],
    empty: [],
  };

  const openers: [string, (chunkBytes?: number) => Promise<SafetensorsSource>][] = [
    ['a Node file', (chunkBytes) => openSafetensors(filePath, { chunkBytes })],
    ['a Blob', (chunkBytes) => openSafetensorsBlob(new Blob([fileBytes]), { name: 'mixed.safetensors', chunkBytes })],
    ['a Node fs.openAsBlob', async (chunkBytes) => openSafetensorsBlob(await fs.openAsBlob(filePath), { name: filePath, chunkBytes })],
    ['bytes in memory', (chunkBytes) => openSafetensorsSource(bytesByteSource(fileBytes, 'mixed', chunkBytes))],
  ];
  for (const [what, open] of openers) {
    for (const chunkBytes of [undefined, 8, 10]) {
      it(`reads F32, F16 and BF16 from ${what}${chunkBytes ? ` in ${chunkBytes}-byte chunks` : ''}`, async () => {
        const source = await open(chunkBytes);
        try {
          expect([...source.tensors.keys()]).toEqual(['half', 'brain', 'weights', 'ids', 'scalar', 'empty']);
          expect(source.metadata).toEqual({ format: 'pt' });
          expect(source.tensors.get('brain')).toMatchObject({ dtype: 'BF16', shape: [3, 3], elements: 9, byteLength: 18 });
          expect(source.tensors.get('scalar')).toMatchObject({ shape: [], elements: 1 });
          const { ids: _, ...floats } = Object.fromEntries(await Promise.all(
            [...source.tensors.keys()].filter((n) => n !== 'ids').map(async (n) => [n, Array.from(await source.readFloat32(n))]),
          ));
          expect(floats).toEqual(expected);
          // readInto writes into the caller's storage, wherever it sits in its buffer.
          const storage = new Float32Array(20);
          await source.readInto('weights', storage.subarray(5, 12));
          expect(Array.from(storage.subarray(5, 12))).toEqual(expected.weights);
          expect(storage[4]).toBe(0);
          expect(storage[12]).toBe(0);
          // Including shared memory (a threaded wasm backend's resident parameters live there).
          const shared = new Float32Array(new SharedArrayBuffer(4 * 9));
          await source.readInto('brain', shared);
          expect(Array.from(shared)).toEqual(expected.brain);
          const sharedF32 = new Float32Array(new SharedArrayBuffer(4 * 7));
          await source.readInto('weights', sharedF32);
          expect(Array.from(sharedF32)).toEqual(expected.weights);
          // readBytes returns any dtype as stored.
          const raw = new Uint8Array(16);
          await source.readBytes('ids', raw);
          expect(raw).toEqual(tensors.ids.bytes);
        } finally {
          await source.close();
        }
      });
    }
  }

  it('never issues a read larger than chunkBytes, and reads each tensor once', async () => {
    const reads: number[] = [];
    const inner = bytesByteSource(fileBytes, 'spy', 12);
    const spy: ByteSource = {
      ...inner,
      read: (position, into) => {
        reads.push(into.length);
        return inner.read(position, into);
      },
    };
    const source = await openSafetensorsSource(spy);
    reads.length = 0; // the header reads
    await source.readFloat32('weights'); // 28 bytes -> 12 + 12 + 4
    expect(reads).toEqual([12, 12, 4]);
    reads.length = 0;
    await source.readFloat32('brain'); // 18 bytes of BF16 -> 12 + 6
    expect(reads).toEqual([12, 6]);
    expect(Math.max(...reads)).toBeLessThanOrEqual(12);
  });

  it('refuses bad reads with the file and tensor named', async () => {
    const source = await openSafetensors(filePath);
    try {
      await expect(source.readFloat32('nope')).rejects.toThrow(`safetensors: ${filePath}: no tensor named "nope"`);
      await expect(source.readInto('weights', new Float32Array(6))).rejects.toThrow(/"weights" \[7\] has 7 elements but the destination holds 6/);
      await expect(source.readInto('weights', new Float64Array(7) as unknown as Float32Array)).rejects.toThrow(/needs a Float32Array/);
      await expect(source.readFloat32('ids')).rejects.toThrow(/"ids" is I64; only F32, F16 and BF16/);
      await expect(source.readBytes('ids', new Uint8Array(15))).rejects.toThrow(/exactly 16 bytes/);
    } finally {
      await source.close();
    }
    await expect(source.readFloat32('weights')).rejects.toThrow(/read after close/);
    await source.close(); // idempotent
  });

  it('reports a file truncated after it was opened', async () => {
    const file = path.join(tmpDir, 'shrinks.safetensors');
    fs.writeFileSync(file, fileBytes);
    const source = await openSafetensors(file);
    fs.truncateSync(file, fileBytes.length - 30);
    await expect(source.readFloat32('weights')).rejects.toThrow(/unexpected end of file.*truncated after it was opened/);
    await source.close();
  });

  it('reads a Blob through a BYOB reader and one reused scratch buffer: no ArrayBuffer per read', async () => {
    // A Blob whose arrayBuffer() is off limits: every read must go through the slice's byte stream.
    class StreamOnly extends Blob {
      override slice(start?: number, end?: number): Blob {
        return new StreamOnly([super.slice(start, end)]);
      }
      override arrayBuffer(): Promise<ArrayBuffer> {
        throw new Error('arrayBuffer() would allocate a fresh buffer per read');
      }
    }
    const scratches = new Set<ArrayBufferLike>();
    const byob = ReadableStreamBYOBReader.prototype.read;
    ReadableStreamBYOBReader.prototype.read = function (this: ReadableStreamBYOBReader, view: ArrayBufferView) {
      scratches.add(view.buffer);
      return byob.call(this, view as Uint8Array) as ReturnType<typeof byob>;
    } as typeof byob;
    try {
      for (const chunkBytes of [undefined, 8]) {
        const source = await openSafetensorsBlob(new StreamOnly([fileBytes]), { name: 'stream-only.safetensors', chunkBytes });
        expect(Array.from(await source.readFloat32('weights'))).toEqual(expected.weights);
        expect(Array.from(await source.readFloat32('brain'))).toEqual(expected.brain);
        expect(Array.from(await source.readFloat32('half'))).toEqual(expected.half);
        await source.close();
      }
    } finally {
      ReadableStreamBYOBReader.prototype.read = byob;
    }
    // A BYOB read detaches the buffer it fills and returns the same memory as a new ArrayBuffer
    // object, so the buffers seen are one per handing back, but none is larger than the scratch.
    expect(scratches.size).toBeGreaterThan(0);
    for (const buffer of scratches) expect(buffer.byteLength).toBeLessThanOrEqual(BLOB_SCRATCH_BYTES);
  });

  it('reads a Blob whose stream is not a byte stream with arrayBuffer(), and names a Blob that changed', async () => {
    // An engine whose Blob.stream() has no BYOB reader: the slice is read whole.
    const plainStream = {
      size: fileBytes.length,
      slice: (start: number, end: number) => {
        const part = new Blob([fileBytes.subarray(start, end)]);
        return { size: part.size, arrayBuffer: () => part.arrayBuffer(), stream: () => new ReadableStream({ start: (c) => c.close() }) };
      },
    } as unknown as Blob;
    const fallback = await openSafetensorsBlob(plainStream, { name: 'plain-stream.safetensors', chunkBytes: 8 });
    expect(Array.from(await fallback.readFloat32('weights'))).toEqual(expected.weights);

    // A picked file that was shortened on disk: its slices come back short.
    let cut = false;
    const shrinking = {
      size: fileBytes.length,
      slice: (start: number, end: number) => new Blob([fileBytes.subarray(start, cut ? Math.min(end, start + 3) : end)]),
    } as unknown as Blob;
    const short = await openSafetensorsBlob(shrinking, { name: 'shrinks.safetensors' });
    cut = true;
    await expect(short.readFloat32('weights')).rejects.toThrow(/^safetensors: shrinks\.safetensors: read 3 of 28 bytes at \d+ \(the file changed while reading\?\)$/);

    // A file the browser can no longer read (removed after it was picked): the stream errors.
    let gone = false;
    const removed = {
      size: fileBytes.length,
      slice: (start: number, end: number) => {
        const part = new Blob([fileBytes.subarray(start, end)]);
        if (!gone) return part;
        return { size: part.size, stream: () => new ReadableStream({ type: 'bytes', pull: (c) => c.error(new Error('NotReadableError: the file is gone')) }) };
      },
    } as unknown as Blob;
    const source = await openSafetensorsBlob(removed, { name: 'removed.safetensors' });
    gone = true;
    await expect(source.readFloat32('weights')).rejects.toThrow(
      /^safetensors: removed\.safetensors: cannot read bytes \[\d+, \d+\) \(NotReadableError: the file is gone\); was the file changed after it was picked\?$/,
    );
  });

  it('loadSafetensorsFile (the whole-file API) reads through the streaming reader, BF16 included', async () => {
    const file = path.join(tmpDir, 'plain.safetensors');
    fs.writeFileSync(file, serializeSafetensors({ a: { shape: [2], data: [1, 2] }, i: { shape: [2], data: new Int32Array([-3, 4]) } }, { k: 'v' }));
    const loaded = await loadSafetensorsFile(file);
    expect(loaded.metadata).toEqual({ k: 'v' });
    expect(loaded.tensors.get('a')).toEqual({ dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) });
    expect(loaded.tensors.get('i')).toEqual({ dtype: 'I32', shape: [2], data: new Int32Array([-3, 4]) });
    const halves = path.join(tmpDir, 'bf16.safetensors');
    fs.writeFileSync(halves, serializeSafetensors({ b: { shape: [3], data: [1.5, -2, 0.1], dtype: 'BF16' } }));
    // bfloat16 keeps 8 mantissa bits: 0.1 becomes 0.10009765625 (0x3DCD), 1.5 and -2 are exact.
    expect((await loadSafetensorsFile(halves)).tensors.get('b')!.data).toEqual(new Float32Array([1.5, -2, 0.10009765625]));
  });
});

describe('malformed files', () => {
  const f32x2 = f32le([1, 2]);
  const cases: [string, Uint8Array<ArrayBuffer>, RegExp][] = [
    ['an empty file', new Uint8Array(0), /file is 0 bytes, shorter than the 8-byte/],
    ['a file shorter than the length prefix', new Uint8Array(5), /shorter than the 8-byte/],
    ['a header length past the end of the file', withHeader('{}', undefined, 4000), /header length 4000 runs past the end of the \d+-byte file \(truncated\?\)/],
    ['a header length over the limit', withHeader('{}', undefined, 2 ** 40), /exceeds the limit/],
    ['a header that is not JSON', withHeader('{"x": {"dtype": '), /header is not valid JSON/],
    ['a header that is not UTF-8', withHeader('{"\u00ff": 1}').map((b) => (b === 0xc3 ? 0xff : b)), /not valid UTF-8/],
    ['a header that is not an object', withHeader('[1, 2]'), /must be a JSON object/],
    ['an entry that is not an object', withHeader('{"x": 3}'), /tensor "x": entry must be an object/],
    ['an unknown dtype', withHeader('{"x":{"dtype":"Q7","shape":[2],"data_offsets":[0,8]}}', f32x2), /tensor "x": dtype "Q7" is unknown; known: BOOL, U8/],
    ['a sub-byte dtype', withHeader('{"x":{"dtype":"F4","shape":[16],"data_offsets":[0,8]}}', f32x2), /dtype "F4" is not supported \(sub-byte/],
    ['a missing dtype', withHeader('{"x":{"shape":[2],"data_offsets":[0,8]}}', f32x2), /dtype is missing/],
    ['a negative dimension', withHeader('{"x":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}', f32x2), /shape must be an array of non-negative integers/],
    ['a fractional dimension', withHeader('{"x":{"dtype":"F32","shape":[1.5],"data_offsets":[0,8]}}', f32x2), /shape must be/],
    ['reversed offsets', withHeader('{"x":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}}', f32x2), /data_offsets must be \[begin, end\]/],
    ['offsets that disagree with the shape', withHeader('{"x":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}', f32x2), /shape \[3\] of F32 needs 12 bytes but data_offsets \[0, 8\] hold 8/],
    [
      'misaligned offsets (one tensor shifted by two bytes)',
      withHeader('{"x":{"dtype":"F32","shape":[1],"data_offsets":[2,6]},"y":{"dtype":"F16","shape":[1],"data_offsets":[0,2]}}', f32x2),
      /the data section is 8 bytes but the tensors cover 6/,
    ],
    ['offsets pointing past the end of the file', withHeader('{"x":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}', f32x2), /data_offsets \[0, 16\] run past the end of the 8-byte data section \(truncated\?\)/],
    [
      'overlapping tensors',
      withHeader('{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"y":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', f32x2),
      /tensor "y" overlaps tensor "x" \(bytes 4..8\)/,
    ],
    ['a hole before a tensor', withHeader('{"x":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', f32x2), /4 unreferenced bytes before tensor "x"/],
    ['trailing bytes', withHeader('{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', f32x2), /trailing or missing/],
    ['non-string metadata', withHeader('{"__metadata__":{"n":3}}'), /__metadata__\.n must be a string/],
    ['a shape too large to address', withHeader('{"x":{"dtype":"F64","shape":[4294967296, 4294967296],"data_offsets":[0,8]}}', f32x2), /too large to address/],
  ];
  for (const [what, bytes, message] of cases) {
    it(`refuses ${what}, naming the file, before reading any tensor`, async () => {
      const file = path.join(tmpDir, `bad-${what.replace(/\W+/g, '-')}.safetensors`);
      fs.writeFileSync(file, bytes);
      const fromFile = openSafetensors(file);
      await expect(fromFile).rejects.toThrow(SafetensorsError);
      await expect(fromFile).rejects.toThrow(message);
      await expect(fromFile).rejects.toThrow(`safetensors: ${file}: `);
      const fromBlob = openSafetensorsBlob(new Blob([bytes]), { name: 'picked.safetensors' });
      await expect(fromBlob).rejects.toThrow(message);
      await expect(fromBlob).rejects.toThrow(/^safetensors: picked\.safetensors: /);
    });
  }

  it('refuses a truncated copy of a valid file at every cut point', async () => {
    const whole = buildFile({ w: { dtype: 'BF16', shape: [3], bytes: u16le([0x3f80, 0x4000, 0x4040]) } }, { format: 'pt' });
    for (let cut = 0; cut < whole.length; cut++) {
      await expect(openSafetensorsSource(bytesByteSource(whole.subarray(0, cut), `cut-${cut}`))).rejects.toThrow(`safetensors: cut-${cut}: `);
    }
    await expect(openSafetensorsSource(bytesByteSource(whole))).resolves.toBeDefined();
  });

  it('refuses a directory, a missing file and a bad chunk size by name', async () => {
    await expect(openSafetensors(tmpDir)).rejects.toThrow(`safetensors: ${tmpDir}: is a directory, expected a .safetensors file`);
    const missing = path.join(tmpDir, 'nope.safetensors');
    await expect(openSafetensors(missing)).rejects.toThrow(`safetensors: ${missing}: cannot open file (ENOENT)`);
    await expect(openSafetensors(missing, { chunkBytes: 2 ** 31 })).rejects.toThrow(/chunkBytes must be an integer in \[8, 1073741824\]/);
    expect(MAX_READ_BYTES).toBe(2 ** 30);
    expect(() => blobByteSource(new Blob([]), 'b', 4)).toThrow(/chunkBytes/);
  });
});

describe('a sparse file larger than 4 GiB', () => {
  // Two sparse padding tensors (U8, never read) put `straddle` across the 2 GiB mark and
  // `far` beyond 4 GiB; only the few real bytes are written, the rest is a hole.
  const pad1 = 2 ** 31 - 6; // data bytes before `straddle`
  const straddle = [0.5, -1.25, 3, 1e-3];
  const pad2 = 2 ** 32;
  const farBits = [0x3f80, 0xc0a0, 0x4049]; // 1, -5, 3.140625
  const header = JSON.stringify({
    __metadata__: { format: 'pt' },
    pad1: { dtype: 'U8', shape: [pad1], data_offsets: [0, pad1] },
    straddle: { dtype: 'F32', shape: [4], data_offsets: [pad1, pad1 + 16] },
    pad2: { dtype: 'U8', shape: [pad2], data_offsets: [pad1 + 16, pad1 + 16 + pad2] },
    far: { dtype: 'BF16', shape: [3], data_offsets: [pad1 + 16 + pad2, pad1 + 16 + pad2 + 6] },
  });
  const file = path.join(tmpDir, 'sparse.safetensors');

  it('reads tensors at offsets past 2 GiB and 4 GiB without reading the rest', async () => {
    const head = withHeader(header);
    const dataStart = head.length;
    const fd = fs.openSync(file, 'w');
    try {
      fs.writeSync(fd, head, 0, head.length, 0);
      fs.writeSync(fd, f32le(straddle), 0, 16, dataStart + pad1);
      fs.writeSync(fd, u16le(farBits), 0, 6, dataStart + pad1 + 16 + pad2);
      fs.ftruncateSync(fd, dataStart + pad1 + 16 + pad2 + 6);
    } finally {
      fs.closeSync(fd);
    }
    expect(fs.statSync(file).size).toBeGreaterThan(2 ** 32 + 2 ** 31);
    for (const chunkBytes of [undefined, 8]) {
      const source = await openSafetensors(file, { chunkBytes });
      try {
        expect(source.tensors.get('pad2')).toMatchObject({ dtype: 'U8', byteLength: 2 ** 32 });
        expect(Array.from(await source.readFloat32('straddle'))).toEqual(straddle.map(Math.fround));
        expect(Array.from(await source.readFloat32('far'))).toEqual([1, -5, 3.140625]);
      } finally {
        await source.close();
      }
    }
    // The Blob path at the same offsets. (Not through Node 20's fs.openAsBlob: it reports the size
    // of a file over 4 GiB modulo 2^32. A browser File has no such limit.) A Blob-shaped view of
    // the file whose slices read just their range:
    const size = fs.statSync(file).size;
    const lazyFile = {
      size,
      slice: (start: number, end: number) => {
        const bytes = new Uint8Array(end - start);
        const fd = fs.openSync(file, 'r');
        fs.readSync(fd, bytes, 0, bytes.length, start);
        fs.closeSync(fd);
        return new Blob([bytes]);
      },
    } as unknown as Blob;
    const blobSource = await openSafetensorsBlob(lazyFile, { name: 'sparse.safetensors' });
    expect(Array.from(await blobSource.readFloat32('straddle'))).toEqual(straddle.map(Math.fround));
    expect(Array.from(await blobSource.readFloat32('far'))).toEqual([1, -5, 3.140625]);
    fs.rmSync(file);
  });
});

describe('sharded checkpoints', () => {
  /** Writes a sharded checkpoint of two F32 shards into a fresh directory; `edit` may change the index. */
  function writeSharded(name: string, edit?: (index: { weight_map: Record<string, string> }) => void): string {
    const dir = path.join(tmpDir, name);
    fs.mkdirSync(dir);
    const a = 'model-00001-of-00002.safetensors';
    const b = 'model-00002-of-00002.safetensors';
    fs.writeFileSync(path.join(dir, a), serializeSafetensors({ x: { shape: [2], data: [1, 2] }, y: { shape: [1], data: [3] } }, { format: 'pt' }));
    fs.writeFileSync(path.join(dir, b), serializeSafetensors({ z: { shape: [2, 2], data: [4, 5, 6, 7], dtype: 'F16' } }, { format: 'pt', shard: '2' }));
    const index = { metadata: { total_size: 20 }, weight_map: { x: a, y: a, z: b } };
    edit?.(index);
    fs.writeFileSync(path.join(dir, 'model.safetensors.index.json'), JSON.stringify(index));
    return dir;
  }

  it('presents the shards as one source, from the index, the directory or Blobs', async () => {
    const dir = writeSharded('ok');
    const indexPath = path.join(dir, 'model.safetensors.index.json');
    const blobs = new Map(fs.readdirSync(dir).map((f) => [f, new Blob([fs.readFileSync(path.join(dir, f))])]));
    for (const source of [
      await openShardedSafetensors(indexPath),
      await openSafetensorsWeights(dir),
      await openSafetensorsWeights(indexPath),
      await openShardedSafetensorsBlobs(blobs.get('model.safetensors.index.json')!, blobs),
      await openSafetensorsWeightsFromBlobs(blobs),
    ]) {
      expect(source.tensors.get('z')).toMatchObject({ dtype: 'F16', shape: [2, 2] });
      expect(source.tensors.get('z')!.file).toMatch(/model-00002-of-00002\.safetensors$/);
      expect(source.metadata).toEqual({ format: 'pt', shard: '2' });
      expect(await readAll(source)).toEqual({ x: [1, 2], y: [3], z: [4, 5, 6, 7] });
      await source.close();
    }
  });

  const broken: [string, (index: { weight_map: Record<string, string> }) => void, RegExp][] = [
    ['a tensor mapped to the wrong shard', (i) => (i.weight_map.y = 'model-00002-of-00002.safetensors'), /"y" is mapped to model-00002-of-00002.safetensors but stored in model-00001/],
    ['a tensor missing from the index', (i) => delete i.weight_map.y, /tensor "y" is not listed in .*model.safetensors.index.json/],
    ['a tensor the shard does not hold', (i) => (i.weight_map.w = 'model-00001-of-00002.safetensors'), /"w" is mapped to model-00001-of-00002.safetensors, which does not contain it/],
    ['a missing shard', (i) => (i.weight_map.z = 'model-00003-of-00003.safetensors'), /model-00003-of-00003.safetensors: cannot open file \(ENOENT\); the shard is listed in/],
    ['a shard path outside the directory', (i) => (i.weight_map.z = '../model-00002-of-00002.safetensors'), /weight_map\["z"\] must be a shard's file name in the same directory/],
  ];
  for (const [what, edit, message] of broken) {
    it(`refuses ${what}`, async () => {
      const dir = writeSharded(what.replace(/\W+/g, '-'), edit);
      await expect(openSafetensorsWeights(dir)).rejects.toThrow(message);
    });
  }

  it('refuses an index that is not JSON or has no weight_map, naming it', async () => {
    const dir = path.join(tmpDir, 'bad-index');
    fs.mkdirSync(dir);
    const index = path.join(dir, 'model.safetensors.index.json');
    fs.writeFileSync(index, '{"weight_map": ');
    await expect(openSafetensorsWeights(dir)).rejects.toThrow(`safetensors: ${index}: not valid JSON`);
    fs.writeFileSync(index, '{"metadata": {}}');
    await expect(openSafetensorsWeights(dir)).rejects.toThrow(/"weight_map" is missing/);
    fs.writeFileSync(index, '{"weight_map": {}}');
    await expect(openSafetensorsWeights(dir)).rejects.toThrow(/lists no tensors/);
    await expect(openShardedSafetensorsBlobs('{"weight_map": {"x": "a.safetensors"}}', new Map())).rejects.toThrow(/a\.safetensors: missing: the shard is listed in model\.safetensors\.index\.json/);
  });

  it('picks model.safetensors first, and explains a directory that has only pytorch_model.bin', async () => {
    const dir = writeSharded('both');
    fs.writeFileSync(path.join(dir, 'model.safetensors'), serializeSafetensors({ single: { shape: [1], data: [9] } }));
    const source = await openSafetensorsWeights(dir);
    expect([...source.tensors.keys()]).toEqual(['single']);
    await source.close();
    const bin = path.join(tmpDir, 'bin-only');
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, 'pytorch_model.bin'), 'not really');
    await expect(openSafetensorsWeights(bin)).rejects.toThrow(/no model\.safetensors or model\.safetensors\.index\.json, only pytorch_model\.bin; convert it to safetensors/);
    await expect(openSafetensorsWeightsFromBlobs(new Map([['pytorch_model.bin', new Blob(['x'])]]))).rejects.toThrow(/only pytorch_model\.bin/);
    const empty = path.join(tmpDir, 'empty-dir');
    fs.mkdirSync(empty);
    await expect(openSafetensorsWeights(empty)).rejects.toThrow(`safetensors: ${empty}: no model.safetensors or model.safetensors.index.json in this directory`);
    await expect(openSafetensorsWeights(path.join(tmpDir, 'nowhere'))).rejects.toThrow(/cannot open \(ENOENT\)/);
  });
});
