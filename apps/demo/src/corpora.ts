// Corpus text for the page, bundled at build time by the @attn/datasets Vite plugin.
// Dynamic imports keep each corpus in its own chunk, loaded only when chosen.

export const CORPUS_LABELS: Record<string, string> = {
  shakespeare: 'Shakespeare (Hamlet, Macbeth, Julius Caesar; 376k chars)',
  emma: "Austen's Emma (887k chars)",
};

export async function loadCorpusText(name: string): Promise<string> {
  if (name === 'shakespeare') return (await import('virtual:attn-datasets/shakespeare')).default;
  if (name === 'emma') return (await import('virtual:attn-datasets/emma')).default;
  throw new Error(`unknown corpus "${name}": expected one of ${Object.keys(CORPUS_LABELS).join(', ')}`);
}
