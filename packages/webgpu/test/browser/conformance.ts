// The shared @attn/tensor conformance suite, run in the page on the 'webgpu'
// backend (each case reads its values with await data()). Vitest is not in the page:
// @attn/tensor/testing's collector runs the cases.
export { runBackendSuiteCollected as runConformance } from '@attn/tensor/testing';
