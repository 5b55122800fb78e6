// @attn/datasets/vite: a tiny Vite plugin that bundles the embedded corpora at
// build time. It reads and verifies the files in Node (while Vite builds) and
// serves each corpus as a virtual module whose default export is the text:
//
//   import shakespeare from 'virtual:attn-datasets/shakespeare';
//
// Typed structurally so this package needs no dependency on Vite.

import { CORPORA, type CorpusName } from './corpora';
import { loadCorpus } from './node/gutenberg';

/** Prefix of the virtual module ids: 'virtual:attn-datasets/<corpus>'. */
export const VIRTUAL_PREFIX = 'virtual:attn-datasets/';

/** The subset of Vite's Plugin interface this plugin implements. */
export interface AttnDatasetsPlugin {
  name: string;
  enforce: 'pre';
  resolveId(id: string): string | null;
  load(id: string): string | null;
}

/** Vite plugin serving 'virtual:attn-datasets/shakespeare' and 'virtual:attn-datasets/emma'. */
export function attnDatasets(): AttnDatasetsPlugin {
  const resolvedPrefix = `\0${VIRTUAL_PREFIX}`; // '\0' tells other plugins to leave it alone
  return {
    name: 'attn-datasets',
    enforce: 'pre',
    resolveId(id) {
      if (!id.startsWith(VIRTUAL_PREFIX)) return null;
      const corpus = id.slice(VIRTUAL_PREFIX.length);
      if (!Object.hasOwn(CORPORA, corpus)) {
        throw new Error(`attn-datasets: unknown corpus module '${id}'; expected one of: ${Object.keys(CORPORA).map((c) => VIRTUAL_PREFIX + c).join(', ')}`);
      }
      return resolvedPrefix + corpus;
    },
    load(id) {
      if (!id.startsWith(resolvedPrefix)) return null;
      const corpus = id.slice(resolvedPrefix.length) as CorpusName;
      // loadCorpus verifies every file's sha256, so a changed package fails the build.
      return `export default ${JSON.stringify(loadCorpus(corpus))};\n`;
    },
  };
}
