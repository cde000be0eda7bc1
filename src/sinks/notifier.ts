/**
 * Notifier: a set of waiters resolved together; the DurableQueue pump and spool writer park on it.
 */
/** A set of promises resolved together: the pump and writer park on these. */
export class Notifier {
  private waiters: (() => void)[] = [];
  wait(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }
  notify(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const resolve of w) resolve();
  }
}
