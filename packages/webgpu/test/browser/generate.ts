// Greedy generation on an asynchronous backend: one forward per token and one
// `await logits.data()` to pick it, against the same loop on the CPU backend.
import { GPT } from '@attn/model';
import { setBackend } from '@attn/tensor';
import { smallConfig } from './gpt.js';

export async function greedyTokens(backendName: string, prompt: number[], count: number): Promise<number[]> {
  const config = smallConfig();
  setBackend(backendName);
  try {
    const model = new GPT(config, { seed: 9 });
    const tokens = [...prompt];
    for (let i = 0; i < count; i++) {
      const window = tokens.slice(-config.blockSize);
      const logits = model.forward(window).logits; // (1, T, V)
      const last = logits.slice(1, window.length - 1, window.length); // (1, 1, V)
      const values = await last.data();
      let best = 0;
      for (let v = 1; v < values.length; v++) if (values[v] > values[best]) best = v;
      tokens.push(best);
    }
    return tokens.slice(prompt.length);
  } finally {
    setBackend('cpu');
  }
}
