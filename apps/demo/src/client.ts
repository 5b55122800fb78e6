// The page's side of the worker protocol: each request gets an id, resolves
// with its final reply and rejects with the worker's error for that id, so the
// view that asked can show the error next to its own control.
import { INSPECT_STREAMED, type InspectFinalReply } from './inspect-protocol';
import type { EngineStatus, FromWorker, ToWorker } from './protocol';

/** A request without its id (the client assigns it). */
type Request = ToWorker extends infer M ? (M extends { id: number } ? Omit<M, 'id'> : never) : never;
type Reply<T extends FromWorker['type']> = Extract<FromWorker, { type: T }>;
/** Messages streamed before a request's final reply. */
type Streamed = Reply<'progress'> | Reply<'token'> | Reply<'loadProgress'> | Reply<(typeof INSPECT_STREAMED)[number]>;
const STREAMED: ReadonlySet<string> = new Set(['progress', 'token', 'loadProgress', ...INSPECT_STREAMED]);

/** Final reply type of each request type. */
interface FinalReply extends InspectFinalReply {
  engine: 'engine';
  init: 'ready';
  train: 'trainDone';
  stop: 'ok';
  loadCheckpoint: 'checkpointReady';
  attention: 'attention';
  generate: 'generateDone';
  stopGenerate: 'ok';
  saveCheckpoint: 'checkpointSaved';
  openModel: 'modelOpened';
  resume: 'resumed';
}

interface Pending {
  resolve: (msg: FromWorker) => void;
  reject: (err: Error) => void;
  onStream?: (msg: Streamed) => void;
}

export class WorkerClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly engineListeners = new Set<(status: EngineStatus) => void>();
  private readonly failureListeners = new Set<(message: string) => void>();

  constructor(private readonly worker: Worker) {
    worker.onmessage = (event: MessageEvent<FromWorker>) => this.receive(event.data);
    worker.onerror = (event) => {
      const message = event.message || 'the training worker failed to start';
      for (const listener of this.failureListeners) listener(message);
      for (const [, p] of this.pending) p.reject(new Error(message));
      this.pending.clear();
    };
  }

  /** Sends a request; resolves with its final reply, calls onStream for progress / tokens. */
  request<T extends Request>(msg: T, onStream?: (msg: Streamed) => void): Promise<Reply<FinalReply[T['type']]>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (msg: FromWorker) => void, reject, onStream });
      this.worker.postMessage({ ...msg, id } as ToWorker);
    });
  }

  /** Engine status, sent when the worker's engine starts, switches, or its counters move. */
  onEngine(listener: (status: EngineStatus) => void): void {
    this.engineListeners.add(listener);
  }

  /** A worker error that belongs to no request (the worker failed to load). */
  onFailure(listener: (message: string) => void): void {
    this.failureListeners.add(listener);
  }

  private receive(msg: FromWorker): void {
    if (msg.type === 'engine') for (const listener of this.engineListeners) listener(msg);
    if (msg.id === null) {
      if (msg.type === 'error') for (const listener of this.failureListeners) listener(msg.message);
      return;
    }
    const pending = this.pending.get(msg.id);
    if (!pending) return;
    if (STREAMED.has(msg.type)) {
      pending.onStream?.(msg as Streamed);
      return;
    }
    this.pending.delete(msg.id);
    if (msg.type === 'error') pending.reject(new Error(msg.message));
    else pending.resolve(msg);
  }
}
