// One decoder layer's cross-attention behind a translation, as the CLI and the demo report
// show it: a matrix of output characters x input characters (one head, or the mean of the
// layer's heads, each row still summing to 1), and for each output character the input word it
// reads most ("1" of the month <- "November").
import type { AttendedTranslation } from '@attn/inspect';

export interface CrossAttentionView {
  /** [output position][input position]. */
  weights: number[][];
  /** The translation's characters, one per row. */
  outputLabels: string[];
  /** For each output character, the input word (a run of characters between spaces and commas) with most of its attention, and that share. */
  reads(inputLabels: string[]): { output: string; word: string; share: number }[];
  /** reads() as one line per output character. */
  summary(inputLabels: string[]): string[];
}

export function crossAttentionView(t: AttendedTranslation, layer: number, head: number | undefined, label: (id: number) => string): CrossAttentionView {
  const heads = t.cross[layer];
  const rows = heads[0]?.length ?? 0;
  const cols = heads[0]?.[0]?.length ?? 0;
  const weights = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, s) => (head === undefined ? heads.reduce((sum, h) => sum + h[i][s], 0) / heads.length : heads[head][i][s])),
  );
  const outputLabels = t.tokens.map(label);
  return {
    weights,
    outputLabels,
    reads(inputLabels) {
      const words: { text: string; from: number; to: number }[] = [];
      inputLabels.forEach((c, s) => {
        if (c === ' ' || c === ',') return;
        const last = words.at(-1);
        if (last && last.to === s) {
          last.text += c;
          last.to = s + 1;
        } else words.push({ text: c, from: s, to: s + 1 });
      });
      return weights.map((row, i) => {
        let best = { text: '-', share: 0 };
        for (const w of words) {
          const share = row.slice(w.from, w.to).reduce((a, b) => a + b, 0);
          if (share > best.share) best = { text: w.text, share };
        }
        return { output: outputLabels[i], word: best.text, share: best.share };
      });
    },
    summary(inputLabels) {
      return this.reads(inputLabels).map(
        (r, i) => `  output ${String(i).padStart(2)} ${JSON.stringify(r.output)} reads ${JSON.stringify(r.word)} (${(r.share * 100).toFixed(0)}% of its attention)`,
      );
    },
  };
}
