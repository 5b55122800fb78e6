// The worker's compute engines (@attn/tensor backends) and the switch between
// them. @attn/wasm is the default: 2 threads when the page is cross-origin
// isolated (the wasm kernels then share memory with one more Web Worker), 1
// otherwise. TypeScript ('cpu', always registered) and GPU.js stay selectable, and
// WebGPU is offered when the browser has an adapter (its name is shown).
// Tensors move lazily: the next kernel on the new engine reads a tensor's
// values from the old one, so a model keeps its weights across a switch. WebGPU
// cannot be read synchronously, so leaving it moves the long-lived tensors (the
// models' weights, the optimizer's moments) with asynchronous reads first.
import { type GpuBackendHandle, registerGpuBackend } from '@attn/gpu';
import { moveTensors, setBackend, type Tensor } from '@attn/tensor';
import { registerWasmBackend, type WasmBackendHandle } from '@attn/wasm';
import { probeWebGPU, registerWebGPUBackend, type WebGPUBackendHandle } from '@attn/webgpu';
import type { EngineChoice, EngineStatus, WebGPUAdapterStatus } from './protocol';

/** Threads the wasm engine asks for when shared memory is allowed (this machine, and most laptops, have 2+ cores). */
export const WASM_THREADS_ISOLATED = 2;

/**
 * Most bytes of tensor values kept in WebAssembly memory between kernels. @attn/wasm's default
 * (512 MiB) is less than GPT-2 small's weights (498 MB) plus a forward pass; past the budget
 * values fall back to plain arrays copied in and out of every kernel. WebAssembly memory here
 * can grow to 2 GiB and never shrinks, so the budget is raised only this far.
 */
export const WASM_RESIDENT_BYTES = 1.25 * 2 ** 30;

export class EngineSwitch {
  private wasm: WasmBackendHandle | null = null;
  /** Why wasm runs on fewer threads than it could, or why it is missing. */
  private wasmNote: string | null = null;
  private gpu: GpuBackendHandle | null = null;
  /** The adapter WebGPU would use (probed at start), null when there is none (WebGPU is not offered), undefined until probed. */
  private webgpuAdapter: WebGPUAdapterStatus | null | undefined = undefined;
  /** The WebGPU backend, registered when first chosen and kept (making a device is slow). */
  private webgpu: WebGPUBackendHandle | null = null;
  current: EngineChoice = 'cpu';

  /** Starts the default engine: wasm, or TypeScript when this browser has no WebAssembly SIMD. */
  async startDefault(): Promise<void> {
    const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
    const threads = isolated ? WASM_THREADS_ISOLATED : 1;
    try {
      this.wasm = await registerWasmBackend({ threads, residentBytes: WASM_RESIDENT_BYTES });
      if (!this.wasm) this.wasmNote = 'this browser has no WebAssembly SIMD, so the page computes in TypeScript';
    } catch (err) {
      this.wasmNote = `WebAssembly failed to start (${(err as Error).message}), so the page computes in TypeScript`;
    }
    if (!this.wasm) {
      setBackend('cpu');
      this.current = 'cpu';
      return;
    }
    if (!isolated) {
      this.wasmNote = 'the page is not cross-origin isolated (the server sends no COOP/COEP headers), so WebAssembly runs on 1 thread';
    } else if (this.wasm.threads < threads) {
      this.wasmNote = `WebAssembly asked for ${threads} threads and got ${this.wasm.threads} (its worker could not start)`;
    }
    setBackend('wasm');
    this.current = 'wasm';
  }

  /** The adapter probe, while it runs (choosing WebGPU waits for it). */
  private probing: Promise<void> | null = null;

  /** Asks the browser for a WebGPU adapter (without making a device), so the switch can offer it. */
  probeWebGPU(): Promise<void> {
    this.probing ??= probeWebGPU().then((info) => {
      this.webgpuAdapter = info && { label: info.label, software: info.software };
    });
    return this.probing;
  }

  /** The engine that synchronous readers (checkpoint writers) can use while WebGPU is chosen: host memory. */
  get readsSynchronously(): boolean {
    return this.current !== 'webgpu';
  }

  /**
   * Makes `choice` the engine for everything that follows. `keep` lists the tensors that must
   * survive the switch (models' weights, optimizer state): when leaving WebGPU they are moved
   * to the new engine with asynchronous reads, as nothing can read them synchronously there.
   */
  async switchTo(choice: EngineChoice, keep: () => Tensor[]): Promise<void> {
    if (choice === this.current) return;
    if (this.current === 'webgpu' && choice !== 'webgpu') {
      // To wasm's own memory, else to the CPU (GPU.js and TypeScript read host arrays).
      await moveTensors(keep(), choice === 'wasm' && this.wasm ? 'wasm' : 'cpu');
    }
    if (choice === 'webgpu') {
      await this.probing;
      if (!this.webgpuAdapter) throw new Error('WebGPU is not available in this browser: it offers no adapter (WebGPU needs a recent Chrome, Edge or Safari on https:// or localhost).');
      this.webgpu ??= await registerWebGPUBackend();
      setBackend(this.webgpu.backend.name);
    } else if (choice === 'wasm') {
      if (!this.wasm) throw new Error(`WebAssembly is not available: ${this.wasmNote ?? 'it did not start'}`);
      setBackend('wasm');
    } else if (choice === 'cpu') {
      setBackend('cpu');
    } else {
      // minFlops 0: every matmul goes to gpu.js. @attn/gpu's default threshold (2*256^3 FLOPs for GPU
      // modes) would keep all of this demo's small products on the CPU, and the switch would change nothing.
      this.gpu ??= registerGpuBackend({ mode: 'gpu', minFlops: 0 });
      setBackend(this.gpu.backend.name);
    }
    if (choice !== 'gpu' && this.gpu) {
      // Disposing reads textures back first, so tensors made on gpu.js stay readable.
      this.gpu.dispose();
      this.gpu = null;
    }
    this.current = choice;
  }

  /**
   * Runs `body` with new tensors made in host memory (TypeScript backend) while WebGPU is chosen,
   * for code that reads synchronously (checkpoint loaders and writers); they move to the GPU
   * lazily at their next kernel. On the other engines it just runs `body`.
   */
  async onHost<T>(body: () => T | Promise<T>): Promise<T> {
    if (this.current !== 'webgpu') return body();
    setBackend('cpu');
    try {
      return await body();
    } finally {
      setBackend('webgpu');
    }
  }

  status(): EngineStatus {
    const webgpu = this.webgpuAdapter;
    if (this.current === 'gpu' && this.gpu) {
      const info = this.gpu.backendInfo();
      return { engine: 'gpu', threads: 1, mode: info.mode, note: info.fallbackReason, gpuCalls: info.gpuCalls, cpuCalls: info.cpuCalls, webgpu };
    }
    if (this.current === 'webgpu' && this.webgpu) {
      const note = this.webgpu.adapter.software ? 'a software adapter computes on the CPU, so WebGPU is slower than WebAssembly here' : null;
      return { engine: 'webgpu', threads: 1, mode: this.webgpu.adapter.label, note, gpuCalls: 0, cpuCalls: 0, webgpu };
    }
    if (this.current === 'wasm' && this.wasm) {
      return { engine: 'wasm', threads: this.wasm.threads, mode: 'wasm-simd', note: this.wasmNote, gpuCalls: 0, cpuCalls: 0, webgpu };
    }
    return { engine: 'cpu', threads: 1, mode: 'typescript', note: this.wasm ? null : this.wasmNote, gpuCalls: 0, cpuCalls: 0, webgpu };
  }
}
