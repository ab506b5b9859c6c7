// One clock for parent and worker children. process.hrtime reads CLOCK_MONOTONIC,
// which on Linux is system-wide: a timestamp taken in a worker child compares
// directly with one taken in the parent, with nanosecond resolution and no
// NTP slew between the two processes (Date.now() and performance.timeOrigin
// offer neither guarantee).
export function nowMs() {
  return Number(process.hrtime.bigint()) / 1e6;
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// Rejects with a labelled error when `promise` does not settle within `ms`.
export function withTimeout(promise, ms, label) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${label} timed out after ${Math.round(ms / 1000)} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
