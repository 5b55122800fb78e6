// The error class every failure of this package throws (bad options, no
// adapter, a lost device, a WGSL validation error, a tensor too large).

export class WebGPUBackendError extends Error {
  override readonly name = 'WebGPUBackendError';
}
