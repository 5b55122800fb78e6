// The shared @attn/tensor conformance suite, run in the page on the 'gpu'
// backend (WebGL2 on SwiftShader) with minFlops 0, so Binary/Unary/Transpose
// and MatMul run as device kernels on every broadcast form the suite has.
// Vitest is not in the page: @attn/tensor/testing's collector runs the cases.
export { runBackendSuiteCollected as runConformance } from '@attn/tensor/testing';
