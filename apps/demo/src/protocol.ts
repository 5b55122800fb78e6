// Messages between the page and the training worker. Every request carries an
// id; the worker answers it with exactly one final reply of the same id (or an
// 'error' of that id), and streams 'progress' / 'token' messages with it meanwhile,
// so the page can route each error to the control that caused it.
import type { OpenedModelInfo, SavedCheckpoint } from './model-files';
import type { InspectReply, InspectRequest } from './inspect-protocol';
import type { VocabularyInfo } from './vocab';

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
  tiny: { label: 'tiny: 2 layers × 2 heads, width 32', nLayer: 2, nHead: 2, nEmbd: 32, blockSize: 32, batchSize: 8, lr: 3e-3, warmup: 5, decaySteps: 2000, gradClip: 1 },
  small: { label: 'small: 4 layers × 4 heads, width 64', nLayer: 4, nHead: 4, nEmbd: 64, blockSize: 64, batchSize: 8, lr: 2e-3, warmup: 5, decaySteps: 2000, gradClip: 1 },
};

/** The config the page starts with (and the one the browser bench measures). */
export const DEFAULT_CONFIG = 'tiny';

/** Share of the training text held out (its end) to measure validation loss. */
export const VALIDATION_FRACTION = 0.1;

/** Which @attn/tensor backend the worker computes on. */
export type EngineChoice = 'wasm' | 'cpu' | 'gpu' | 'webgpu';

/** The WebGPU adapter the browser offers (from @attn/webgpu's probeWebGPU). */
export interface WebGPUAdapterStatus {
  /** One line for people, e.g. "google swiftshader (CPU emulation, not a GPU)". */
  label: string;
  /** A software (CPU) implementation such as SwiftShader: slower than WebAssembly. */
  software: boolean;
}

/** What the worker reports about the engine it computes on. */
export interface EngineStatus {
  engine: EngineChoice;
  /** Threads the matmuls run on (wasm: 2 on a cross-origin isolated page, else 1). */
  threads: number;
  /** For 'gpu': gpu.js's mode ('webgl2', 'webgl', 'cpu', ...); for the others the engine's own name. */
  mode: string;
  /** Why the engine runs differently from what was asked (fewer threads, a fallback), or null. */
  note: string | null;
  /** Matmuls computed by gpu.js / handed to the CPU backend so far (0 off 'gpu'). */
  gpuCalls: number;
  cpuCalls: number;
  /** The WebGPU adapter this browser offers, null when it has none (WebGPU is then not offered), undefined while the browser is still being asked. */
  webgpu: WebGPUAdapterStatus | null | undefined;
}

/** One point of a loss curve. */
export interface LossSample {
  step: number;
  loss: number;
}

export type ToWorker =
  /** Switches the engine for everything that follows (training, attention, generation); not while training. */
  | { type: 'engine'; id: number; engine: EngineChoice }
  /** A new model for `text` (its characters are the vocabulary); the last VALIDATION_FRACTION is held out. */
  | { type: 'init'; id: number; corpusLabel: string; text: string; config: DemoConfig; seed: number; dataName?: string }
  /** Trains `steps` more steps, or until 'stop'. */
  | { type: 'train'; id: number; steps: number }
  | { type: 'stop'; id: number }
  /** Loads a checkpoint directory (file name -> bytes: config.json, model.safetensors, the tokenizer, maybe training-state.safetensors), as `attn train` writes it. */
  | { type: 'loadCheckpoint'; id: number; name: string; files: Record<string, ArrayBuffer> }
  /** source: 'page' for the model trained here, or the name of a loaded checkpoint. */
  | { type: 'attention'; id: number; source: string; text: string }
  | { type: 'generate'; id: number; source: string; prompt: string; temperature: number; topK: number; topP: number; maxTokens: number; seed: number }
  | { type: 'stopGenerate'; id: number }
  /** The page's model as a training checkpoint directory (file name -> bytes), to download. */
  | { type: 'saveCheckpoint'; id: number }
  /**
   * Opens a checkpoint directory the user picked, dropped or unzipped (file name -> File/Blob; the
   * weights are streamed, never read whole): an attn checkpoint or a Hugging Face GPT-2. It becomes
   * the source 'user' (replacing the previous one) for attention and generation.
   */
  | { type: 'openModel'; id: number; name: string; files: Record<string, Blob> }
  /** Continues training the opened model (source 'user') as the page's model, on `text` (what it learned from). */
  | { type: 'resume'; id: number; text: string }
  /** The views that look inside a model (inspect-protocol.ts). */
  | InspectRequest;

export type FromWorker =
  /** Sent once the default engine is up (id null), and as the reply to 'engine' and after training runs. */
  | ({ type: 'engine'; id: number | null } & EngineStatus)
  | { type: 'ready'; id: number; params: number; vocabulary: VocabularyInfo; trainChars: number; valChars: number; blockSize: number }
  /**
   * Losses since the last progress message. tokensPerSecond: training tokens over the wall time
   * of those steps (evaluation excluded); valLoss: set when an evaluation ran.
   */
  | { type: 'progress'; id: number; step: number; losses: LossSample[]; valLoss: LossSample | null; tokensPerSecond: number; lr: number }
  /** steps: done in this run; seconds: their wall time without evaluations; step: the model's total. */
  | { type: 'trainDone'; id: number; step: number; steps: number; tokens: number; seconds: number; reason: 'steps' | 'stopped' }
  /** steps / lastLoss: how far it was trained, when the checkpoint holds a training state (else null). */
  | { type: 'checkpointReady'; id: number; name: string; params: number; nLayer: number; nHead: number; blockSize: number; vocabulary: VocabularyInfo; steps: number | null; lastLoss: number | null }
  | { type: 'attention'; id: number; labels: string[]; layers: number[][][][] }
  | { type: 'token'; id: number; text: string }
  | { type: 'generateDone'; id: number; reason: string }
  | { type: 'checkpointSaved'; id: number; checkpoint: SavedCheckpoint }
  /** Streamed while a model opens: weights read so far. */
  | { type: 'loadProgress'; id: number; tensors: number; totalTensors: number; bytes: number; totalBytes: number }
  | { type: 'modelOpened'; id: number; info: OpenedModelInfo }
  /** The opened model is now the page's model: its sizes and its training history so far. */
  | {
      type: 'resumed';
      id: number;
      params: number;
      vocabulary: VocabularyInfo;
      trainChars: number;
      valChars: number;
      config: DemoConfig;
      steps: number;
      losses: LossSample[];
      valLosses: LossSample[];
    }
  /** A request with no other answer is done (stop, stopGenerate). */
  | { type: 'ok'; id: number }
  | { type: 'error'; id: number | null; message: string }
  | InspectReply;
