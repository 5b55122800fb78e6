// Export coref sentences for scripts/coref-check.py (run `pnpm build` first):
//   node scripts/coref-export.mjs /tmp/coref.json && /usr/bin/python3 scripts/coref-check.py /tmp/coref.json
import { writeFileSync } from 'node:fs';
import { createCorefLanguage } from '@attn/datasets';

const out = process.argv[2] ?? 'coref.json';
const lang = createCorefLanguage({ seed: 0 });
const encode = (examples) =>
  examples.map((e) => ({ ids: Array.from(lang.vocabulary.encode(e.tokens)), it: e.itIndex, ref: e.referentIndex, dis: e.distractorIndex }));
writeFileSync(
  out,
  JSON.stringify({
    vocab: lang.vocabulary.size,
    train: encode(lang.generate('train', 30000, 1)),
    heldout: encode(lang.generate('heldout', 1000, 2)),
  }),
);
console.log(`wrote ${out}`);
