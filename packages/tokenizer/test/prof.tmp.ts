import { loadGpt2 } from '../src/index.js';
import { readEmma, readGpt2Files } from './corpus.js';
const emma = readEmma();
const tok = loadGpt2(readGpt2Files());
for (let k = 0; k < 30; k++) tok.encode(emma);
