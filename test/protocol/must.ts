/** Test helper: unwrap a value the test expects to exist, failing with a clear message. */
export function must<T>(v: T | null | undefined, what = 'value'): T {
  if (v === null || v === undefined) throw new Error(`expected ${what} to exist`);
  return v;
}
