/**
 * Teardown of what a fault test started (worker processes, proxies, servers,
 * apps), run after the test whether it passed, failed or timed out, most
 * recent first.
 *
 * Call it *before* `useTestDatabase()` in the same `describe`: Jest runs
 * `afterEach` hooks of one block in the order they were declared, and the
 * leak check of `useTestDatabase()` must come after this teardown.
 *
 * @returns `defer(fn)`, which registers `fn` and returns its argument's
 * result unchanged for chaining: `const proxy = defer(await TcpProxy.start(…), (p) => p.close())`.
 */
export function useCleanup(): <T>(value: T, teardown: (value: T) => unknown) => T {
  let pending: (() => unknown)[] = [];
  const run = async () => {
    const list = pending.reverse();
    pending = [];
    for (const teardown of list) {
      try {
        await teardown();
      } catch (error) {
        // One failing teardown must not leave the others' resources behind; the test itself reports failures.
        process.stderr.write(`fault test teardown: ${(error as Error).message}\n`);
      }
    }
  };
  afterEach(run);
  afterAll(run);
  return (value, teardown) => {
    pending.push(() => teardown(value));
    return value;
  };
}
