// Everything the run starts (embedded PostgreSQL, databases, worker children,
// connections) registers an undo step here; the steps run in reverse order on
// normal exit, on error and on SIGINT/SIGTERM, so nothing outlives the bench.

const steps = [];
const children = new Set();
let running = null;

export function onCleanup(label, fn) {
  const step = { label, fn };
  steps.push(step);
  return () => {
    const i = steps.indexOf(step);
    if (i >= 0) steps.splice(i, 1);
  };
}

// Child processes are also killed synchronously from the 'exit' hook, the one
// place that still runs when the event loop is gone.
export function trackChild(child) {
  children.add(child);
  child.once('exit', () => children.delete(child));
}

// True once cleanup has begun (Ctrl-C): nothing new may be started.
export function isStopping() {
  return running !== null;
}

// After a measurement timed out: its worker may be stuck, end it.
export function killChildren() {
  for (const child of children) child.kill('SIGKILL');
}

export function runCleanup() {
  running ??= (async () => {
    for (const child of children) child.kill('SIGKILL');
    while (steps.length) {
      const { label, fn } = steps.pop();
      try {
        await fn();
      } catch (err) {
        console.error(`cleanup (${label}) failed: ${err?.message ?? err}`);
      }
    }
  })();
  return running;
}

export function installSignalHandlers() {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping workers and PostgreSQL...`);
      runCleanup().finally(() => process.exit(130));
    });
  }
  // A library's connection erroring with nobody listening (typically because
  // the server is shutting down) must not skip the cleanup.
  process.on('uncaughtException', (err) => {
    if (running) return; // already cleaning up: connections are expected to die
    console.error(err?.stack ?? err);
    runCleanup().finally(() => process.exit(1));
  });
  process.once('exit', () => {
    for (const child of children) child.kill('SIGKILL');
  });
}
