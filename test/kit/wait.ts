/**
 * The one condition wait for tests: poll a predicate (sync or async) until it holds, instead of
 * sleeping a guessed time. Fails with a message naming what was awaited and for how long.
 */

/**
 * Resolves with the elapsed ms once `pred` holds; rejects after `ms`.
 * `what` may be a function so the message can show state at the moment of failure.
 */
export async function until(
  pred: () => boolean | Promise<boolean>,
  ms = 5000,
  what: string | (() => string) = 'condition',
  stepMs = 25,
): Promise<number> {
  const start = performance.now();
  for (;;) {
    if (await pred()) return performance.now() - start;
    if (performance.now() - start > ms) {
      throw new Error(`timed out after ${ms} ms waiting for ${typeof what === 'string' ? what : what()}`);
    }
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
