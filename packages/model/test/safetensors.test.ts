import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  float16BitsToFloat32,
  float32ToFloat16Bits,
  loadSafetensorsFile,
  MAX_HEADER_BYTES,
  parseSafetensors,
  SafetensorsError,
  saveSafetensorsFile,
  serializeSafetensors,
} from '../src/index.js';

/** Builds a file by hand: 8-byte length, the given header JSON text, then `data`. */
function rawFile(headerText: string, data: Uint8Array = new Uint8Array(0), lengthOverride?: number): Uint8Array {
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

const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'attn-safetensors-'));
afterAll(() => fs.rmSync(tmpDir, { recursive: true, force: true }));

describe('float16 conversion', () => {
  it('encodes hand-checked values', () => {
    expect(float32ToFloat16Bits(1)).toBe(0x3c00);
    expect(float32ToFloat16Bits(-2)).toBe(0xc000);
    expect(float32ToFloat16Bits(0.5)).toBe(0x3800);
    expect(float32ToFloat16Bits(65504)).toBe(0x7bff); // largest finite half
    expect(float32ToFloat16Bits(65520)).toBe(0x7c00); // rounds up to +Inf
    expect(float32ToFloat16Bits(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(float32ToFloat16Bits(2 ** -25)).toBe(0x0000); // tie between 0 and 2^-24: to even (0)
    expect(float32ToFloat16Bits(3 * 2 ** -25)).toBe(0x0002); // tie between 1 and 2 (x 2^-24): to even (2)
    expect(float32ToFloat16Bits(2 ** -14)).toBe(0x0400); // smallest normal
    expect(float32ToFloat16Bits(0.1)).toBe(0x2e66); // 0.0999755859375
    expect(float32ToFloat16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie: stays even
    expect(float32ToFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie: rounds to even
    expect(float32ToFloat16Bits(Number.NEGATIVE_INFINITY)).toBe(0xfc00);
    expect(float32ToFloat16Bits(-0)).toBe(0x8000);
    expect(float32ToFloat16Bits(Number.NaN) & 0x7c00).toBe(0x7c00);
    expect(float32ToFloat16Bits(Number.NaN) & 0x3ff).not.toBe(0);
  });

  it('decodes hand-checked values', () => {
    expect(float16BitsToFloat32(0x3c00)).toBe(1);
    expect(float16BitsToFloat32(0xc000)).toBe(-2);
    expect(float16BitsToFloat32(0x7bff)).toBe(65504);
    expect(float16BitsToFloat32(0x0001)).toBe(2 ** -24);
    expect(float16BitsToFloat32(0x2e66)).toBe(0.0999755859375);
    expect(float16BitsToFloat32(0x7c00)).toBe(Number.POSITIVE_INFINITY);
    expect(float16BitsToFloat32(0x7e00)).toBeNaN();
  });

  it('every finite half survives a round trip through float32', () => {
    const mismatches: number[] = [];
    for (let bits = 0; bits < 0x10000; bits++) {
      if ((bits & 0x7c00) === 0x7c00) continue; // Inf/NaN
      if (float32ToFloat16Bits(float16BitsToFloat32(bits)) !== bits) mismatches.push(bits);
    }
    expect(mismatches).toEqual([]);
  });
});

describe('safetensors bytes', () => {
  it('round-trips F32, F16 and I32 tensors with metadata', () => {
    const a = new Float32Array([1.5, -2.25, 3e-3, 1e6, 0, -0.5]);
    const h = new Float32Array([0.1, -7, 1000, 2 ** -20]);
    const ids = new Int32Array([0, -1, 2 ** 31 - 1, -(2 ** 31)]);
    const bytes = serializeSafetensors(
      { a: { shape: [2, 3], data: a }, h: { shape: [4], data: h, dtype: 'F16' }, ids: { shape: [2, 2], data: ids }, empty: { shape: [0, 3], data: [] } },
      { config: '{"x":1}', note: 'hello' },
    );
    const headerLength = new DataView(bytes.buffer).getUint32(0, true);
    expect((8 + headerLength) % 8).toBe(0); // data section is 8-byte aligned
    const file = parseSafetensors(bytes);
    expect(file.metadata).toEqual({ config: '{"x":1}', note: 'hello' });
    expect([...file.tensors.keys()]).toEqual(['a', 'h', 'ids', 'empty']);
    expect(file.tensors.get('a')).toEqual({ dtype: 'F32', shape: [2, 3], data: a });
    const hb = file.tensors.get('h')!;
    expect(hb.dtype).toBe('F16');
    expect(Array.from(hb.data)).toEqual(Array.from(h).map((x) => float16BitsToFloat32(float32ToFloat16Bits(x))));
    expect(file.tensors.get('ids')).toEqual({ dtype: 'I32', shape: [2, 2], data: ids });
    expect(file.tensors.get('empty')!.data.length).toBe(0);
    // And from an ArrayBuffer that is not the start of the allocation.
    const padded = new Uint8Array(bytes.length + 3);
    padded.set(bytes, 3);
    expect(parseSafetensors(padded.subarray(3)).tensors.get('a')!.data).toEqual(a);
    // And from a Node Buffer (which may sit inside a shared pool).
    const pooled = Buffer.concat([Buffer.from('xyz'), Buffer.from(bytes)]).subarray(3);
    expect(parseSafetensors(pooled).tensors.get('a')!.data).toEqual(a);
    expect(parseSafetensors(Buffer.from(bytes)).tensors.get('ids')!.data).toEqual(ids);
  });

  it('writes the layout byte for byte: header JSON, then little-endian data', () => {
    const bytes = serializeSafetensors({ x: { shape: [2], data: new Float32Array([1, -2]) } });
    const n = new DataView(bytes.buffer).getUint32(0, true);
    const header = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    expect(header.trimEnd()).toBe('{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}');
    expect(Array.from(bytes.subarray(8 + n))).toEqual([0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0]);
  });

  const f32x2 = new Uint8Array(8);
  const cases: [string, Uint8Array, RegExp][] = [
    ['a file shorter than the prefix', new Uint8Array(5), /shorter than the 8-byte/],
    ['a header length over the limit', rawFile('{}', undefined, MAX_HEADER_BYTES + 1), /exceeds the limit/],
    ['a header length past the end', rawFile('{}', undefined, 4000), /past the end.*truncated/],
    ['bad JSON', rawFile('{"x": {"dtype": '), /not valid JSON/],
    ['a header that is not an object', rawFile('[1, 2]'), /must be a JSON object/],
    ['an unknown dtype', rawFile('{"x":{"dtype":"Q7","shape":[2],"data_offsets":[0,8]}}', f32x2), /"Q7" is unknown/],
    ['an unsupported dtype', rawFile('{"x":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}', f32x2), /"F64" is not supported/],
    ['a bad shape', rawFile('{"x":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}', f32x2), /shape must be/],
    ['shape * dtype size not matching the offsets', rawFile('{"x":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}', f32x2), /needs 12 bytes.*hold 8/],
    ['offsets past the end', rawFile('{"x":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}', f32x2), /run past the end of the 8-byte data section/],
    [
      'overlapping tensors',
      rawFile('{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"y":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', f32x2),
      /"y" overlaps tensor "x"/,
    ],
    ['a hole in the data', rawFile('{"x":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', f32x2), /unreferenced bytes/],
    ['trailing bytes', rawFile('{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', f32x2), /trailing or missing/],
    ['non-string metadata', rawFile('{"__metadata__":{"n":3}}'), /__metadata__\.n must be a string/],
    ['reversed offsets', rawFile('{"x":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}}', f32x2), /data_offsets must be/],
  ];
  for (const [what, bytes, message] of cases) {
    it(`refuses ${what}`, () => {
      expect(() => parseSafetensors(bytes, { source: 'model.safetensors' })).toThrow(SafetensorsError);
      expect(() => parseSafetensors(bytes, { source: 'model.safetensors' })).toThrow(message);
      expect(() => parseSafetensors(bytes, { source: 'model.safetensors' })).toThrow(/^safetensors: model\.safetensors: /);
    });
  }

  it('refuses a truncated copy of a valid file at every cut point', () => {
    const bytes = serializeSafetensors({ w: { shape: [3, 2], data: new Float32Array(6).fill(0.5) } }, { k: 'v' });
    for (let cut = 0; cut < bytes.length; cut++) {
      expect(() => parseSafetensors(bytes.subarray(0, cut))).toThrow(SafetensorsError);
    }
  });

  it('refuses to write bad tensors', () => {
    expect(() => serializeSafetensors({ x: { shape: [2, 2], data: [1, 2, 3] } })).toThrow(/has 4 elements but data has 3/);
    expect(() => serializeSafetensors({ x: { shape: [1], data: [1.5], dtype: 'I32' } })).toThrow(/not a 32-bit integer/);
    expect(() => serializeSafetensors({ __metadata__: { shape: [1], data: [1] } })).toThrow(/may not be named/);
  });
});

describe('safetensors files', () => {
  it('saves atomically and loads back', async () => {
    const file = path.join(tmpDir, 'ok.safetensors');
    await saveSafetensorsFile(file, { w: { shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) } }, { a: 'b' });
    const loaded = await loadSafetensorsFile(file);
    expect(loaded.metadata).toEqual({ a: 'b' });
    expect(Array.from(loaded.tensors.get('w')!.data)).toEqual([1, 2, 3, 4]);
    expect(fs.readdirSync(tmpDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('leaves an existing file untouched when serialising fails', async () => {
    const file = path.join(tmpDir, 'keep.safetensors');
    await saveSafetensorsFile(file, { w: { shape: [1], data: [7] } });
    const before = fs.readFileSync(file);
    await expect(saveSafetensorsFile(file, { w: { shape: [2], data: [1] } })).rejects.toThrow(/has 2 elements/);
    expect(fs.readFileSync(file)).toEqual(before);
    expect(fs.readdirSync(tmpDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('names the file in errors: missing, truncated, bad directory', async () => {
    const missing = path.join(tmpDir, 'nope.safetensors');
    await expect(loadSafetensorsFile(missing)).rejects.toThrow(`safetensors: ${missing}: cannot open file (ENOENT)`);
    const truncated = path.join(tmpDir, 'cut.safetensors');
    const bytes = serializeSafetensors({ w: { shape: [64], data: new Float32Array(64) } });
    fs.writeFileSync(truncated, bytes.subarray(0, bytes.length - 10));
    await expect(loadSafetensorsFile(truncated)).rejects.toThrow(new RegExp(`${truncated}.*run past the end`));
    const huge = path.join(tmpDir, 'huge.safetensors');
    fs.writeFileSync(huge, rawFile('{}', undefined, 2 ** 40));
    await expect(loadSafetensorsFile(huge)).rejects.toThrow(/exceeds the limit/);
    const badDir = path.join(tmpDir, 'no-such-dir', 'x.safetensors');
    await expect(saveSafetensorsFile(badDir, { w: { shape: [1], data: [1] } })).rejects.toThrow(/cannot write file \(ENOENT\)/);
  });
});

describe('the PyTorch-written fixture', () => {
  it('parses with HF GPT-2 names, Conv1D layouts and the config in the metadata', () => {
    const file = parseSafetensors(fs.readFileSync(path.join(__dirname, 'fixtures/gpt2-tiny.safetensors')), { source: 'gpt2-tiny.safetensors' });
    expect(JSON.parse(file.metadata.config)).toMatchObject({ vocabSize: 23, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 12 });
    expect(file.tensors.get('transformer.wte.weight')!.shape).toEqual([23, 12]);
    expect(file.tensors.get('transformer.h.1.attn.c_attn.weight')!.shape).toEqual([12, 36]); // [in, out]
    expect(file.tensors.get('transformer.h.0.mlp.c_proj.weight')!.shape).toEqual([48, 12]);
    expect(file.tensors.get('lm_head.weight')!.data).toEqual(file.tensors.get('transformer.wte.weight')!.data);
  });
});
