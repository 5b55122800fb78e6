import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CharTokenizer } from '@attn/tokenizer';
import { afterAll, describe, expect, it } from 'vitest';
import { CheckpointError, ConfigError, loadPretrained, loadSeq2SeqCheckpoint, saveSeq2SeqCheckpoint, seq2seqCheckpointFromFiles, seq2seqCheckpointToFiles, Transformer } from '../src/index.js';

const tokenizer = new CharTokenizer(['a', 'b', 'c', '-'], { specials: ['<pad>', '<bos>', '<eos>'] });
const config = { srcVocabSize: 7, tgtVocabSize: 7, maxLen: 8, nEncoderLayer: 1, nDecoderLayer: 1, nHead: 2, dModel: 8, dFF: 16, dropout: 0, norm: 'pre' as const, bosId: 1, eosId: 2, srcPadId: 0 };
const work = mkdtempSync(join(tmpdir(), 'attn-seq2seq-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('seq2seq checkpoint directory', () => {
  it('saves and loads an encoder-decoder that computes the same logits, with its tokenizer and task', async () => {
    const model = new Transformer(config, { seed: 3 }).eval();
    const dir = join(work, 'ok');
    await saveSeq2SeqCheckpoint(dir, { model, tokenizer, task: 'date', checkpointId: 'abc' });
    const json = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    expect(json.model_type).toBe('attn-seq2seq');
    expect(json.d_model).toBe(8);
    const loaded = await loadSeq2SeqCheckpoint(dir);
    expect(loaded.task).toBe('date');
    expect(loaded.checkpointId).toBe('abc');
    expect(loaded.tokenizer.decode([1, 3, 6, 2])).toBe('<bos>a-<eos>');
    const src = [3, 4, 5, 6];
    const tgt = [1, 3, 4];
    const a = model.forward(src, tgt).logits.dataSync();
    const b = loaded.model.eval().forward(src, tgt).logits.dataSync();
    expect(Array.from(b)).toEqual(Array.from(a));
    // The browser-safe pair agrees with the directory.
    const fromFiles = await seq2seqCheckpointFromFiles(seq2seqCheckpointToFiles({ model, tokenizer }));
    expect(Array.from(fromFiles.model.eval().forward(src, tgt).logits.dataSync())).toEqual(Array.from(a));
  });

  it('refuses a tokenizer of another size, a GPT loader on it, and a changed shape, naming the file', async () => {
    const model = new Transformer(config, { seed: 3 });
    expect(() => seq2seqCheckpointToFiles({ model, tokenizer: new CharTokenizer(['a']) })).toThrow(CheckpointError);
    const dir = join(work, 'bad');
    await saveSeq2SeqCheckpoint(dir, { model, tokenizer });
    await expect(loadPretrained(dir)).rejects.toThrow(/config\.json: "model_type" is "attn-seq2seq": an encoder-decoder checkpoint/);
    const json = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...json, d_ff: 32 }));
    await expect(loadSeq2SeqCheckpoint(dir)).rejects.toThrow(/model\.safetensors: tensor "[^"]+" has shape \[.*\], expected \[.*\] for this config\.json/);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...json, model_type: 'gpt2' }));
    await expect(loadSeq2SeqCheckpoint(dir)).rejects.toThrow(ConfigError);
  });
});
