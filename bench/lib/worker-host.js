// Parent side of worker-child.js: forks one worker process per measurement
// and turns its IPC messages into promises.

import { fork } from 'node:child_process';
import path from 'node:path';
import { trackChild } from './cleanup.js';
import { withTimeout } from './clock.js';

const childScript = path.resolve(import.meta.dirname, '..', 'worker-child.js');
// Extra node flags for worker processes only, e.g. BENCH_WORKER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof"
// to profile the draining side (node refuses --cpu-prof in NODE_OPTIONS).
const workerExecArgv = (process.env.BENCH_WORKER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);

export async function startWorkerProcess({ systemId, target, concurrency, reachAt, recordStarts = false, timeoutMs }) {
  const child = fork(childScript, [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
    execArgv: [...process.execArgv, ...workerExecArgv],
  });
  trackChild(child);

  const waiters = new Map(); // message type -> [resolve]
  let failure = null;
  const failAll = (err) => {
    failure ??= err;
    for (const list of waiters.values()) for (const w of list) w.reject(failure);
    waiters.clear();
  };
  child.on('message', (msg) => {
    if (msg.type === 'failed') return failAll(new Error(`worker process failed: ${msg.error}`));
    const list = waiters.get(msg.type);
    if (list?.length) list.shift().resolve(msg);
  });
  child.on('exit', (code, signal) => failAll(new Error(`worker process exited (code ${code}, signal ${signal})`)));

  const next = (type) =>
    new Promise((resolve, reject) => {
      if (failure) return reject(failure);
      if (!waiters.has(type)) waiters.set(type, []);
      waiters.get(type).push({ resolve, reject });
    });
  const ask = (type) => {
    const reply = next(type);
    child.send({ type });
    return withTimeout(reply, 10_000, `worker "${type}" reply`);
  };

  // Registered before init so a fast drain's message cannot be missed.
  const reached = reachAt ? next('reached') : null;
  reached?.catch(() => {}); // observed later; avoid an unhandled rejection meanwhile
  const ready = next('ready');
  child.send({ type: 'init', systemId, target, concurrency, reachAt, recordStarts });
  await withTimeout(ready, 60_000, `${systemId} worker start`);

  return {
    pid: child.pid,
    reached: () => withTimeout(reached, timeoutMs, `${systemId} worker reaching ${reachAt} tasks`),
    count: () => ask('count'),
    rss: async () => (await ask('rss')).rss,
    async stop() {
      const stopped = next('stopped');
      const exited = new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve)));
      child.send({ type: 'stop' });
      try {
        const summary = await withTimeout(stopped, 60_000, `${systemId} worker stop`);
        await withTimeout(exited, 5_000, `${systemId} worker exit`).catch(() => child.kill('SIGKILL'));
        return summary;
      } catch (err) {
        child.kill('SIGKILL');
        throw err;
      }
    },
    kill: () => child.kill('SIGKILL'),
  };
}
