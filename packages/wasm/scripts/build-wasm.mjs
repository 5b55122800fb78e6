// Compiles csrc/*.c to four WebAssembly modules and writes them, base64-encoded,
// into src/kernels.generated.ts, so the package needs no compiler and no file
// loading at run time (works the same in Node, bundlers and browsers).
//
//   single:          SIMD, private memory        (used when threads are unavailable)
//   threaded:        SIMD + atomics, shared memory imported by every worker
//   singleRelaxed,   the same two with relaxed SIMD's fused multiply-add
//   threadedRelaxed  (f32x4.relaxed_madd) in the compute-bound kernels; used
//                    where the engine validates them (src/features.ts)
//
// clang 14 emits relaxed multiply-add under its pre-standard opcode; see
// relaxMultiplyAdds() below and MADD in csrc/simd_math.h.
//
// Needs clang and wasm-ld with the wasm32 target (Debian: apt install clang-14 lld-14).
// Usage: node scripts/build-wasm.mjs            rewrite src/kernels.generated.ts
//        node scripts/build-wasm.mjs --print    print the generated module text to stdout
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sources = ['csrc/matmul.c', 'csrc/gemv.c', 'csrc/attention.c', 'csrc/gelu.c', 'csrc/elementwise.c', 'csrc/nn.c', 'csrc/optim.c', 'csrc/peak.c', 'csrc/tasks.c'].map(
  (s) => path.join(pkg, s),
);
const outFile = path.join(pkg, 'src/kernels.generated.ts');

/** Largest memory the modules accept: 2 GiB, in 64 KiB pages. */
export const MAX_PAGES = 32768;

function findTool(candidates) {
  for (const c of candidates) {
    try {
      execFileSync(c, ['--version'], { stdio: 'ignore' });
      return c;
    } catch {}
  }
  return null;
}

export function findClang() {
  return findTool([process.env.CLANG, 'clang-14', 'clang'].filter(Boolean));
}

const common = [
  '--target=wasm32',
  '-O3',
  '-msimd128',
  '-nostdlib',
  '-fno-builtin',
  '-Wall',
  '-Werror',
  '-Wl,--no-entry',
  '-Wl,--import-memory',
  '-Wl,--export=__heap_base',
  `-Wl,--max-memory=${MAX_PAGES * 65536}`,
];
const threads = ['-matomics', '-mbulk-memory', '-Wl,--shared-memory'];
const relaxed = ['-mrelaxed-simd', '-DATTN_RELAXED_SIMD'];
/** Module name -> [clang flags, whether it uses relaxed SIMD]. */
const variants = {
  single: [common, false],
  threaded: [[...common, ...threads], false],
  singleRelaxed: [[...common, ...relaxed], true],
  threadedRelaxed: [[...common, ...threads, ...relaxed], true],
};

function findObjdump() {
  return findTool(['llvm-objdump-14', 'llvm-objdump']);
}

/** Byte offset of the payload of the code section (id 10) in a module. */
function codeSectionStart(bytes) {
  let p = 8; // magic + version
  const leb = () => {
    let result = 0;
    let shift = 0;
    let b;
    do {
      b = bytes[p++];
      result += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    return result;
  };
  while (p < bytes.length) {
    const id = bytes[p++];
    const size = leb();
    if (id === 10) return p;
    p += size;
  }
  throw new Error('build-wasm: module has no code section');
}

/**
 * Rewrites clang 14's pre-standard relaxed multiply-add (f32x4.fma, 0xfd 0xaf 0x01)
 * to the standard f32x4.relaxed_madd (0xfd 0x85 0x02): same length, so no size
 * field changes. The sites come from llvm-objdump's disassembly, which decodes
 * every instruction, so no immediate that happens to hold those bytes is touched.
 * Any other relaxed instruction would be left in its pre-standard form, so the
 * build refuses it.
 */
function relaxMultiplyAdds(file, objdump) {
  const bytes = fs.readFileSync(file);
  const dis = execFileSync(objdump, ['-d', file], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  const other = /\b(f32x4\.fms|f64x2\.fm[as]|laneselect|relaxed_|\.dot_|q15mulr)/.exec(dis);
  if (other) throw new Error(`build-wasm: ${path.basename(file)} uses relaxed instruction ${other[1]}, which this script cannot re-encode`);
  const code = codeSectionStart(bytes);
  let count = 0;
  for (const m of dis.matchAll(/^\s*([0-9a-f]+): fd af 01\s+f32x4\.fma\s*$/gm)) {
    const at = code + Number.parseInt(m[1], 16);
    if (bytes[at] !== 0xfd || bytes[at + 1] !== 0xaf || bytes[at + 2] !== 0x01) {
      throw new Error(`build-wasm: f32x4.fma at code offset ${m[1]} of ${path.basename(file)} is not where the disassembly says`);
    }
    bytes[at + 1] = 0x85;
    bytes[at + 2] = 0x02;
    count++;
  }
  if (count === 0) throw new Error(`build-wasm: ${path.basename(file)} has no multiply-add to relax (MADD not used?)`);
  fs.writeFileSync(file, bytes);
  return count;
}

function compile(clang, flags, relaxedSimd, out) {
  execFileSync(clang, [...flags, '-o', out, ...sources], { stdio: ['ignore', 'inherit', 'inherit'] });
  const objdump = findObjdump();
  if (relaxedSimd) {
    if (!objdump) throw new Error('build-wasm: the relaxed-SIMD modules need llvm-objdump (Debian: apt install llvm-14)');
    relaxMultiplyAdds(out, objdump);
  }
  // Every worker instantiates the module on the same memory with the same
  // initial __stack_pointer, so no kernel may use the C stack. Verify it.
  if (objdump) {
    const dis = execFileSync(objdump, ['-d', out], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
    if (/global\.(get|set)/.test(dis)) {
      throw new Error(`build-wasm: ${path.basename(out)} uses a global (the C stack pointer); kernels must not use the stack`);
    }
  }
  return fs.readFileSync(out);
}

/** Builds every variant and returns the text of kernels.generated.ts. */
export function generate(clang) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'attn-wasm-'));
  try {
    const hash = createHash('sha256');
    // Headers count too: a change to simd_math.h changes the modules.
    const headers = fs.readdirSync(path.join(pkg, 'csrc')).filter((f) => f.endsWith('.h')).sort();
    for (const s of [...sources, ...headers.map((h) => path.join(pkg, 'csrc', h))]) hash.update(fs.readFileSync(s));
    const lines = [
      '// GENERATED by scripts/build-wasm.mjs from csrc/*.c — do not edit; run `pnpm build:wasm`.',
      `// Source sha256: ${hash.digest('hex')}`,
      `// Compiler: ${execFileSync(clang, ['--version'], { encoding: 'utf8' }).split('\n')[0]}`,
      '',
      `/** Largest memory the modules accept, in 64 KiB pages. */`,
      `export const MAX_PAGES = ${MAX_PAGES};`,
    ];
    for (const [name, [flags, relaxedSimd]] of Object.entries(variants)) {
      const bytes = compile(clang, flags, relaxedSimd, path.join(tmp, `${name}.wasm`));
      lines.push('', `/** ${name} module (${bytes.length} bytes), base64. */`);
      lines.push(`export const ${name}Wasm =\n  '${bytes.toString('base64')}';`);
    }
    return `${lines.join('\n')}\n`;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const clang = findClang();
  if (!clang) {
    console.error('build-wasm: no clang with a wasm32 target found (Debian: apt install clang-14 lld-14, or set CLANG)');
    process.exit(1);
  }
  const text = generate(clang);
  if (process.argv.includes('--print')) {
    process.stdout.write(text);
  } else {
    const tmpOut = `${outFile}.${process.pid}.tmp`;
    fs.writeFileSync(tmpOut, text);
    fs.renameSync(tmpOut, outFile);
    console.log(`build-wasm: wrote ${path.relative(process.cwd(), outFile)}`);
  }
}
