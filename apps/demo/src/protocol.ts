// Messages between the page and the training worker.

/** A model size the page offers. */
export interface DemoConfig {
  /** Shown in the select. */
  label: string;
  /** Transformer blocks. */
  nLayer: number;
  /** Attention heads per block. */
  nHead: number;
  /** Residual stream width. */
  nEmbd: number;
  /** Context length in characters. */
  blockSize: number;
  /** Sequences per training step. */
  batchSize: number;
  /** Peak AdamW step size (after warm-up; the cosine schedule decays it to lr / 10). */
  lr: number;
  /** Steps of linear learning-rate warm-up at the start. */
  warmup: number;
  /** Step at which the cosine schedule reaches its floor (training may continue past it at lr / 10). */
  decaySteps: number;
  /** Global gradient-norm clip (nanoGPT uses 1.0). */
  gradClip: number;
}

export const CONFIGS: Record<string, DemoConfig> = {
  tiny: { label: 'tiny: 2 layers, 2 heads, 32 wide, 32 chars', nLayer: 2, nHead: 2, nEmbd: 32, blockSize: 32, batchSize: 8, lr: 3e-3, warmup: 5, decaySteps: 2000, gradClip: 1 },
  small: { label: 'small: 4 layers, 4 heads, 64 wide, 64 chars', nLayer: 4, nHead: 4, nEmbd: 64, blockSize: 64, batchSize: 8, lr: 2e-3, warmup: 5, decaySteps: 2000, gradClip: 1 },
};

/** Which @attn/tensor backend the worker computes on. */
export type BackendChoice = 'cpu' | 'gpu';

/** What the worker reports about its backend (for 'gpu': what gpu.js really chose). */
export interface BackendStatus {
  backend: BackendChoice;
  /** gpu.js's mode ('webgl2', 'webgl', 'cpu', ...) or 'cpu' for the TypeScript CPU backend. */
  mode: string;
  /** Why gpu.js did not run in the mode asked for, or null. */
  fallbackReason: string | null;
  /** Matmuls computed by gpu.js / handed to the CPU backend so far (0 on the CPU backend). */
  gpuCalls: number;
  cpuCalls: number;
}

export type ToWorker =
  | { type: 'init'; corpusName: string; text: string; config: DemoConfig; seed: number }
  /** Train until `steps` more steps are done or `ms` milliseconds pass (whichever first), or until stop. */
  | { type: 'train'; steps?: number; ms?: number }
  | { type: 'stop' }
  /** Switches the backend for everything that follows (training, attention, generation). */
  | { type: 'backend'; backend: BackendChoice }
  /** Loads a checkpoint directory (file name -> bytes: config.json, model.safetensors, the tokenizer, maybe training-state.safetensors), as `attn train` writes it. */
  | { type: 'loadCheckpoint'; name: string; files: Record<string, ArrayBuffer> }
  /** source: 'page' for the model trained here, or the name of a loaded checkpoint. */
  | { type: 'attention'; source: string; text: string }
  | { type: 'generate'; source: string; prompt: string; temperature: number; topK: number; topP: number; maxTokens: number; seed: number }
  | { type: 'stopGenerate' };

export type FromWorker =
  | { type: 'ready'; params: number; vocabSize: number; trainChars: number }
  | { type: 'progress'; step: number; loss: number; tokensPerSecond: number; lr: number; gradNorm: number }
  | ({ type: 'backend' } & BackendStatus)
  | { type: 'trainDone'; step: number; reason: 'steps' | 'time' | 'stopped' }
  /** steps / lastLoss: how far it was trained, when the checkpoint holds a training state. */
  | { type: 'checkpointReady'; name: string; params: number; nLayer: number; nHead: number; steps?: number; lastLoss?: number }
  | { type: 'attention'; labels: string[]; layers: number[][][][]; dropped: number }
  | { type: 'token'; text: string }
  | { type: 'generateDone'; reason: string }
  | { type: 'error'; message: string };
