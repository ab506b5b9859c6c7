// nestjs-queued-tasks, driven exactly as an application would: a Nest
// application context importing QueuedTasksModule.forRoot, one @QueuedTask
// handler, TaskQueue.add / addMany to enqueue. Node cannot parse decorator
// syntax, so the decorators are applied by calling them as functions.
//
// One adapter per build of the library: the working tree (queued-tasks.js)
// and, with BASELINE_REF, a given commit built into a scratch folder
// (queued-tasks-baseline.js), so that a change and its parent run side by
// side in one run. Each needs its build (<root>/dist/lib/index.js); without it
// the row is skipped.

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { runSql, sqlInspector } from './_shared.js';

const TASK = 'bench.noop';

// `reporting`: the handler also logs one line and reports progress twice per
// task (issue 10's W3 variant: the cost of what a task says about itself).
// `queueLimits(concurrency)`: limits the 'default' queue is configured with
// through TaskQueues.configure before every drain (issue 11's W3 variant:
// the cost of a limited queue); see beforeDrain below.
export function oursSystem({ id, label, rootDir, unavailable = null, reporting = false, queueLimits = null }) {
  const distEntry = rootDir ? path.join(rootDir, 'dist', 'lib', 'index.js') : null;
  let lib = null; // { nest, core, queued } once loaded

  async function load() {
    if (lib) return lib;
    await import('reflect-metadata');
    const nest = await import('@nestjs/common');
    const core = await import('@nestjs/core');
    const queued = await import(pathToFileURL(distEntry).href);
    for (const name of ['QueuedTasksModule', 'QueuedTask', 'TaskQueue', 'currentTask']) {
      if (!queued[name]) throw new Error(`dist/lib/index.js does not export ${name}`);
    }
    lib = { nest, core, queued };
    return lib;
  }

  // Boots one application context. Each call builds fresh classes, because the
  // module's options (database URL, worker on/off) are fixed per module class.
  async function boot(url, { worker, concurrency = 10, onTask = () => {} }) {
    const { nest, core, queued } = await load();

    class NoopTasks {
      async noop(i) {
        onTask(i);
        if (reporting) {
          const task = queued.currentTask();
          task.log.info('running', { i });
          await task.progress(0.5, 'half');
          await task.progress(1, 'done');
        }
      }
    }
    queued.QueuedTask({ name: TASK })(NoopTasks.prototype, 'noop', Object.getOwnPropertyDescriptor(NoopTasks.prototype, 'noop'));
    nest.Injectable()(NoopTasks);

    class BenchModule {}
    nest.Module({
      imports: [queued.QueuedTasksModule.forRoot({ connection: { url }, worker: { enabled: worker, concurrency } })],
      providers: [NoopTasks],
    })(BenchModule);

    // Task log lines go to Nest's Logger at their level (`info` as `log`): off here, as in the other rows.
    const app = await core.NestFactory.createApplicationContext(BenchModule, { logger: ['error', 'warn'] });
    return { app, queue: app.get(queued.TaskQueue) };
  }

  return {
    id,
    label,
    kind: 'ours',
    backend: 'postgres',
    workloads: ['w1', 'w2', 'w3', 'w3a', 'w4', 'w5', 'w6', 'w8'],
    settings: 'QueuedTasksModule.forRoot({ worker: { concurrency: 10 } }), library defaults otherwise',
    version: () => readOwnVersion(rootDir),

    async probe() {
      if (unavailable) return unavailable;
      if (!existsSync(distEntry)) return 'dist/lib/index.js not found (run `npm run build` at the repository root)';
      try {
        const { queued } = await load();
        if (queueLimits && !queued.TaskQueues) return 'dist/lib/index.js does not export TaskQueues (limited queues, issue 11)';
        return null;
      } catch (err) {
        return `dist/lib/index.js cannot be imported: ${err?.message ?? err}`;
      }
    },

    // Booting once with the worker off runs the library's migrations.
    async install({ url }) {
      const { app } = await boot(url, { worker: false });
      await app.close();
    },

    async producer({ url }) {
      const { app, queue } = await boot(url, { worker: false });
      return {
        add: (i) => queue.add(TASK, [i]),
        addMany: (indexes) => queue.addMany(indexes.map((i) => ({ name: TASK, args: [i] }))),
        // W3k: each task with the add option concurrencyKey = keyOf(i).
        addManyKeyed: (indexes, keyOf) => queue.addMany(indexes.map((i) => ({ name: TASK, args: [i], options: { concurrencyKey: keyOf(i) } }))),
        // Parents first..first+parents-1, child first+parents, in one transaction.
        addFlow: (first, parents) =>
          queue.flow((f) => {
            const nodes = Array.from({ length: parents }, (_, k) => f.add(TASK, [first + k]));
            return f.add(TASK, [first + parents], { dependsOn: nodes });
          }),
        close: () => app.close(),
      };
    },

    prefillFinished: ({ url }, count) =>
      runSql(
        url,
        `INSERT INTO queued_tasks.tasks (name, state, args, created_at, started_at, finished_at, attempts)
         SELECT $2, 'completed', jsonb_build_array(-g), now(), now(), now(), 1 FROM generate_series(1, $1) g`,
        [count, TASK],
      ),

    // W6 asks for the queued backlog to go through addMany in batches of 10,000.
    prefillBatch: 10_000,

    // Called by the drain workloads after the prefill, before the settle and
    // the worker start: an operator configuring the queue ahead of its
    // workers. A separate application context (worker off) in the parent.
    beforeDrain: queueLimits
      ? async ({ url }, { concurrency }) => {
          const { app } = await boot(url, { worker: false });
          try {
            const { queued } = await load();
            await app.get(queued.TaskQueues).configure('default', queueLimits(concurrency));
          } finally {
            await app.close();
          }
        }
      : undefined,

    inspector: ({ url }) => sqlInspector(url, `SELECT count(*) FROM queued_tasks.tasks WHERE state IN ('pending', 'running')`),

    async startWorker({ url }, { concurrency, onTask }) {
      const { app } = await boot(url, { worker: true, concurrency, onTask });
      // app.close() is the library's graceful shutdown: in-flight tasks finish first.
      return { stop: () => app.close() };
    },
  };
}

// package.json version plus the commit, since the library changes between runs.
function readOwnVersion(rootDir) {
  let version = '?';
  try {
    version = JSON.parse(readFileSync(path.join(rootDir, 'package.json'), 'utf8')).version;
  } catch {}
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: rootDir, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    version += ` (${commit})`;
  } catch {}
  return version;
}
