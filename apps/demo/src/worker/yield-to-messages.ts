// A training loop in the worker yields between steps so that queued messages (Stop, another
// view's request) are handled. A posted message is not clamped like a nested setTimeout (4 ms).

/**
 * A function that resolves once the messages queued before it have had their turn. Each loop
 * takes its own (one channel each): two loops sharing a channel would replace each other's
 * onmessage, and one would never resume.
 */
export function messageYielder(): () => Promise<void> {
  const channel = new MessageChannel();
  return () =>
    new Promise<void>((resolve) => {
      channel.port1.onmessage = () => resolve();
      channel.port2.postMessage(null);
    });
}
