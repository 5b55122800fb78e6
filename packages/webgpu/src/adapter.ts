// Finding a WebGPU adapter, and describing it for people (the demo's backend
// switch, the bench's tables, bug reports).
import { WebGPUBackendError } from './errors.js';

/** What the adapter is, from GPUAdapterInfo, plus whether it is a software (CPU) implementation. */
export interface WebGPUAdapterInfo {
  /** e.g. 'nvidia', 'apple', 'google' (SwiftShader); may be '' where the browser hides it. */
  vendor: string;
  /** e.g. 'ampere', 'metal-3', 'swiftshader'; may be ''. */
  architecture: string;
  /** Device identifier; often '' (browsers hide it). */
  device: string;
  /** Driver description; often ''. */
  description: string;
  /** The browser says this adapter is a fallback (slow) one, or it is SwiftShader: CPU emulation, not a GPU. */
  software: boolean;
  /** One line for people, e.g. "google swiftshader (CPU emulation, not a GPU)". */
  label: string;
}

/** Which adapter to prefer where there are two (a laptop's integrated and discrete GPUs). */
export type PowerPreference = 'low-power' | 'high-performance';

/**
 * What the WebGPU entry point looks like: navigator.gpu in a page or a worker,
 * or Dawn's object in Node. (Typed here rather than with GPU from
 * @webgpu/types, so users need no WebGPU typings to compile.)
 */
export interface GpuEntry {
  requestAdapter(options?: { powerPreference?: PowerPreference }): Promise<unknown>;
}

/** navigator.gpu where it exists (pages and workers on a secure context), else undefined. */
export function defaultGpu(): GpuEntry | undefined {
  return (globalThis as { navigator?: { gpu?: GpuEntry } }).navigator?.gpu;
}

/** Describes an adapter. */
export function describeAdapter(adapter: GPUAdapter): WebGPUAdapterInfo {
  // (typed loosely: some TypeScript DOM libraries declare GPUAdapter without `info`)
  const info = (adapter as { info?: GPUAdapterInfo }).info ?? ({} as GPUAdapterInfo);
  const vendor = info.vendor ?? '';
  const architecture = info.architecture ?? '';
  const device = info.device ?? '';
  const description = info.description ?? '';
  const fallback = (info as { isFallbackAdapter?: boolean }).isFallbackAdapter ?? (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter ?? false;
  const software = fallback || /swiftshader|llvmpipe|lavapipe|warp|software/i.test(`${vendor} ${architecture} ${description}`);
  const name = [vendor, architecture, description].filter(Boolean).join(' ') || 'unnamed adapter';
  return { vendor, architecture, device, description, software, label: software ? `${name} (CPU emulation, not a GPU)` : name };
}

/** Requests an adapter, or throws a WebGPUBackendError saying why there is none. */
export async function requestAdapter(gpu: GpuEntry | undefined, powerPreference: PowerPreference | undefined): Promise<GPUAdapter> {
  if (!gpu) {
    throw new WebGPUBackendError(
      'registerWebGPUBackend: WebGPU is not available here (no navigator.gpu). It needs a browser with WebGPU (Chrome/Edge 113+, ' +
        'Safari 26+, Firefox 141+) and a secure context (https:// or http://localhost); in Node pass options.gpu (see the README).',
    );
  }
  const adapter = (await gpu.requestAdapter(powerPreference ? { powerPreference } : undefined)) as GPUAdapter | null;
  if (!adapter) {
    throw new WebGPUBackendError(
      'registerWebGPUBackend: navigator.gpu.requestAdapter() found no adapter (no usable GPU or driver; in headless Chromium add --enable-unsafe-webgpu)',
    );
  }
  return adapter;
}

/** The adapter WebGPU would give, described, or null when there is none: for deciding whether to offer the backend. */
export async function probeWebGPU(options: { gpu?: GpuEntry; powerPreference?: PowerPreference } = {}): Promise<WebGPUAdapterInfo | null> {
  try {
    return describeAdapter(await requestAdapter(options.gpu ?? defaultGpu(), options.powerPreference));
  } catch {
    return null;
  }
}
