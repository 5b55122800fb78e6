// The worker's compute engines (@attn/tensor backends) and the switch between
// them. @attn/wasm is the default: 2 threads when the page is cross-origin
// isolated (the wasm kernels then share memory with one more Web Worker), 1
// otherwise. TypeScript ('cpu', always registered) and GPU.js stay selectable.
// Tensors move lazily: the next kernel on the new engine reads a tensor's
// values from the old one, so a model keeps its weights across a switch.
import { type GpuBackendHandle, registerGpuBackend } from '@attn/gpu';
import { setBackend } from '@attn/tensor';
import { registerWasmBackend, type WasmBackendHandle } from '@attn/wasm';
import type { EngineChoice, EngineStatus } from './protocol';

/** Threads the wasm engine asks for when shared memory is allowed (this machine, and most laptops, have 2+ cores). */
export const WASM_THREADS_ISOLATED = 2;

export class EngineSwitch {
  private wasm: WasmBackendHandle | null = null;
  /** Why wasm runs on fewer threads than it could, or why it is missing. */
  private wasmNote: string | null = null;
  private gpu: GpuBackendHandle | null = null;
  current: EngineChoice = 'cpu';

  /** Starts the default engine: wasm, or TypeScript when this browser has no WebAssembly SIMD. */
  async startDefault(): Promise<void> {
    const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
    const threads = isolated ? WASM_THREADS_ISOLATED : 1;
    try {
      this.wasm = await registerWasmBackend({ threads });
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

  /** Makes `choice` the engine for everything that follows. */
  switchTo(choice: EngineChoice): void {
    if (choice === 'wasm') {
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

  status(): EngineStatus {
    if (this.current === 'gpu' && this.gpu) {
      const info = this.gpu.backendInfo();
      return { engine: 'gpu', threads: 1, mode: info.mode, note: info.fallbackReason, gpuCalls: info.gpuCalls, cpuCalls: info.cpuCalls };
    }
    if (this.current === 'wasm' && this.wasm) {
      return { engine: 'wasm', threads: this.wasm.threads, mode: 'wasm-simd', note: this.wasmNote, gpuCalls: 0, cpuCalls: 0 };
    }
    return { engine: 'cpu', threads: 1, mode: 'typescript', note: this.wasm ? null : this.wasmNote, gpuCalls: 0, cpuCalls: 0 };
  }
}
