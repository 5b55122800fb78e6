// @attn/datasets (Node): the browser-safe API plus loaders that read files.
export * from './browser';
export { gutenbergDirectory, loadCorpus, loadCorpusFile, readVerifiedBytes } from './node/gutenberg';
export { type LoadTextFileOptions, loadTextFile } from './node/text-file';
