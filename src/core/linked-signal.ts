/**
 * A signal aborted by `abort()` or when `parent` aborts. Not `AbortSignal.any([parent, own])`: on
 * Node 20 every signal derived that way stays registered on its long-lived source for the life of
 * the process (~250 bytes each; found by reliability row R13). Call `dispose()` when done with it.
 */
export function linkedSignal(parent: AbortSignal): { signal: AbortSignal; abort: (reason?: unknown) => void; dispose: () => void } {
  const controller = new AbortController();
  const follow = (): void => { controller.abort(parent.reason); };
  const dispose = (): void => { parent.removeEventListener('abort', follow); };
  if (parent.aborted) controller.abort(parent.reason);
  else parent.addEventListener('abort', follow, { once: true });
  return { signal: controller.signal, abort: (reason) => { dispose(); controller.abort(reason); }, dispose };
}
