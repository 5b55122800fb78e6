// Greedy decoding: always the most likely token (ties: the lowest id).
import { argmax } from './math.js';
import type { TokenChooser } from './strategy.js';

export function greedy(): TokenChooser {
  return { kind: 'chooser', name: 'greedy', choose: (logits) => argmax(logits, 'greedy') };
}
