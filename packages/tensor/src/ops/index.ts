// Every op, as free functions (Tensor methods call these).
export * from './creation.js';
export * from './elementwise.js';
export * from './matmul.js';
export * from './nn.js';
export * from './reduce.js';
export * from './reshape.js';
export * from './optim.js';
export * from './attention.js';
