// Training one of the worker's task models (the date encoder-decoder, the induction model),
// as the Encoder-decoder and Named heads views both do: the request with its progress
// written into the view's status line, and the sentence that says what a run did.
import type { WorkerClient } from './client';
import type { InspectReply, TaskName } from './inspect-protocol';

export type TaskReady = Extract<InspectReply, { type: 'taskReady' }>;

/**
 * Trains the task's model `steps` more steps from step `from`, writing "Training: step N of M,
 * loss L…" into `status` as it goes; resolves with the worker's reply.
 */
export function trainTask(client: WorkerClient, task: TaskName, from: number, steps: number, status: HTMLElement): Promise<TaskReady> {
  const target = from + steps;
  delete status.dataset.steps;
  status.textContent = `Training: step ${from} of ${target}…`;
  return client.request({ type: 'taskTrain', task, steps }, (msg) => {
    if (msg.type !== 'progress') return;
    const last = msg.losses.at(-1);
    const loss = last ? `, loss ${last.loss.toFixed(3)}` : '';
    const held = msg.valLoss ? `, held-out loss ${msg.valLoss.loss.toFixed(3)}` : '';
    status.textContent = `Training: step ${msg.step} of ${target}${loss}${held}…`;
  });
}

/** "Stopped. Trained for 400 steps (this run: 200 in 3.1 s)." */
export function describeTaskRun(done: TaskReady): string {
  return `${done.reason === 'stopped' ? 'Stopped. ' : ''}Trained for ${done.step} steps (this run: ${done.steps} in ${done.seconds.toFixed(1)} s).`;
}
