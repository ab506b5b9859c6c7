/**
 * Handlers on request-scoped, durable and transient providers: an instance
 * per run (or per durable tree), `TASK_CONTEXT` injectable, released after
 * the run.
 */
import { fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Inject, Injectable, Scope } from '@nestjs/common';
import { ContextIdFactory, REQUEST, type ContextId, type ContextIdStrategy, type HostComponentInfo } from '@nestjs/core';
import {
  QueuedTask,
  TASK_CONTEXT,
  TaskQueue,
  UseTaskInterceptors,
  currentTask,
  type TaskCallHandler,
  type TaskContext,
  type TaskExecutionContext,
  type TaskInterceptor,
} from '../lib/index.js';
import { byAnyName } from './support/by-any-name.js';
import { childLifecycle } from './support/child-lifecycle.js';
import { startTestApp } from './support/test-app.js';
import { useTestDatabase } from './support/suite.js';

/** A singleton the scoped handlers depend on. */
@Injectable()
class TenantRepo {
  readonly saved: string[] = [];
}

interface RunRecord {
  instance: object;
  injected: TaskContext;
  current: TaskContext | undefined;
  request: unknown;
  repo: TenantRepo;
}
const runs: RunRecord[] = [];

@Injectable({ scope: Scope.REQUEST })
class TenantTasks {
  constructor(
    @Inject(TASK_CONTEXT) readonly task: TaskContext,
    @Inject(REQUEST) private readonly request: unknown,
    private readonly repo: TenantRepo,
  ) {}

  @QueuedTask({ name: 'tenant.save' })
  async save(value: string): Promise<string> {
    runs.push({ instance: this, injected: this.task, current: currentTask(), request: this.request, repo: this.repo });
    this.repo.saved.push(value);
    return this.task.id;
  }
}

/** Request-scoped without saying so: it depends on a request-scoped provider. */
@Injectable({ scope: Scope.REQUEST })
class RunClock {
  readonly startedAt = performance.now();
}
@Injectable()
class ImplicitlyScoped {
  constructor(readonly clock: RunClock) {}

  @QueuedTask({ name: 'implicit.run' })
  async run(): Promise<object> {
    runs.push({ instance: this.clock, injected: currentTask()!, current: currentTask(), request: undefined, repo: undefined as never });
    return {};
  }
}

const transientInstances = new Set<object>();
@Injectable({ scope: Scope.TRANSIENT })
class TransientTasks {
  constructor(private readonly repo: TenantRepo) {}

  @QueuedTask({ name: 'transient.run' })
  async run(n: number): Promise<number> {
    transientInstances.add(this);
    this.repo.saved.push(`t${n}`);
    return n + 1;
  }
}

/** Per run: shared by the run's interceptor and handler, through the run's ContextId. */
@Injectable({ scope: Scope.REQUEST })
class RunScope {
  readonly notes: string[] = [];
}
@Injectable({ scope: Scope.REQUEST })
class ScopedInterceptor implements TaskInterceptor {
  constructor(
    @Inject(TASK_CONTEXT) private readonly task: TaskContext,
    private readonly scope: RunScope,
  ) {}

  intercept(context: TaskExecutionContext, next: TaskCallHandler): Promise<unknown> {
    this.scope.notes.push(`interceptor of ${this.task.id}, same context: ${context.task === this.task}`);
    return next.handle();
  }
}
@Injectable({ scope: Scope.REQUEST })
class NotedTasks {
  constructor(private readonly scope: RunScope) {}

  @UseTaskInterceptors(ScopedInterceptor)
  @QueuedTask({ name: 'noted.run' })
  async run(): Promise<string[]> {
    this.scope.notes.push(`handler of ${currentTask()!.id}`);
    return this.scope.notes;
  }
}

/** Request-scoped by its provider definition, under a token that is not its class. */
@Injectable()
class TokenTasks {
  constructor(@Inject(TASK_CONTEXT) private readonly task: TaskContext) {}

  @QueuedTask({ name: 'token.run' })
  async run(): Promise<string> {
    return `ran ${this.task.id}`;
  }
}

const durableInstances: { instance: object; request: unknown }[] = [];
@Injectable({ scope: Scope.REQUEST, durable: true })
class DurableTasks {
  constructor(@Inject(REQUEST) private readonly request: unknown) {
    durableInstances.push({ instance: this, request });
  }

  @QueuedTask({ name: 'durable.run' })
  async run(): Promise<unknown> {
    return { payload: this.request, instance: durableInstances.findIndex((entry) => entry.instance === this) };
  }
}

/** An app's strategy: one durable tree per queue (a tenant per queue), the task context being the "request". */
class TreePerQueue implements ContextIdStrategy<TaskContext> {
  readonly trees = new Map<string, ContextId>();

  attach(contextId: ContextId, task: TaskContext) {
    let tree = this.trees.get(task.queue);
    if (!tree) this.trees.set(task.queue, (tree = ContextIdFactory.create()));
    const durable = tree;
    return { resolve: (info: HostComponentInfo) => (info.isTreeDurable ? durable : contextId), payload: { tenant: task.queue } };
  }
}

describe('task-scoped providers', () => {
  const { db, track } = useTestDatabase();

  beforeEach(() => {
    runs.length = 0;
    transientInstances.clear();
    durableInstances.length = 0;
  });

  it('give a request-scoped handler a fresh instance per run, with its TASK_CONTEXT (also its REQUEST)', async () => {
    const app = track(await startTestApp({ url: db().url, providers: [TenantTasks, TenantRepo] }));
    const tasks = byAnyName(app.get(TaskQueue));
    const refs = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((value) => tasks.add('tenant.save', [value])));
    const ids = await Promise.all(refs.map((ref) => ref.result({ timeoutMs: 10_000 })));
    expect(ids).toEqual(refs.map((ref) => ref.id));
    expect(runs).toHaveLength(5);
    expect(new Set(runs.map((run) => run.instance)).size).toBe(5);
    for (const run of runs) {
      expect(run.current).toBe(run.injected);
      expect(run.request).toBe(run.injected);
    }
    expect(runs.map((run) => run.injected.id).sort()).toEqual(refs.map((ref) => ref.id).sort());
    // The singleton it depends on is the application's one.
    expect(new Set(runs.map((run) => run.repo))).toEqual(new Set([app.get(TenantRepo)]));
    expect(app.get(TenantRepo).saved.sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    // Outside a run (as in an HTTP request) there is no task context.
    expect((await app.resolve(TenantTasks)).task).toBeUndefined();
  });

  it('resolve per run a singleton that depends on a request-scoped provider', async () => {
    const app = track(await startTestApp({ url: db().url, providers: [ImplicitlyScoped, RunClock] }));
    const tasks = byAnyName(app.get(TaskQueue));
    await Promise.all((await Promise.all([1, 2, 3].map(() => tasks.add('implicit.run', [])))).map((ref) => ref.result({ timeoutMs: 10_000 })));
    expect(new Set(runs.map((run) => run.instance)).size).toBe(3);
  });

  it('resolve a handler provided as { provide, useClass, scope: Scope.REQUEST } by its token', async () => {
    const app = track(await startTestApp({ url: db().url, providers: [{ provide: 'TOKEN_TASKS', useClass: TokenTasks, scope: Scope.REQUEST }] }));
    const ref = await byAnyName(app.get(TaskQueue)).add('token.run', []);
    expect(await ref.result({ timeoutMs: 10_000 })).toBe(`ran ${ref.id}`);
  });

  it('run a handler on a transient provider, an instance per run', async () => {
    const app = track(await startTestApp({ url: db().url, providers: [TransientTasks, TenantRepo] }));
    const tasks = byAnyName(app.get(TaskQueue));
    const refs = await Promise.all([1, 2, 3].map((n) => tasks.add('transient.run', [n])));
    expect(await Promise.all(refs.map((ref) => ref.result({ timeoutMs: 10_000 })))).toEqual([2, 3, 4]);
    expect(transientInstances.size).toBe(3);
    expect(app.get(TenantRepo).saved.sort()).toEqual(['t1', 't2', 't3']);
  });

  it('give request-scoped interceptors the run\'s scope: the same TASK_CONTEXT and the same per-run providers as the handler', async () => {
    const app = track(await startTestApp({ url: db().url, providers: [NotedTasks, ScopedInterceptor, RunScope] }));
    const tasks = byAnyName(app.get(TaskQueue));
    const refs = await Promise.all([1, 2].map(() => tasks.add('noted.run', [])));
    for (const ref of refs) {
      expect(await ref.result({ timeoutMs: 10_000 })).toEqual([`interceptor of ${ref.id}, same context: true`, `handler of ${ref.id}`]);
    }
  });

  it('resolve a durable provider through the app\'s ContextIdStrategy (ContextIdFactory.apply): one instance per durable tree', async () => {
    const strategy = new TreePerQueue();
    ContextIdFactory.apply(strategy);
    try {
      const app = track(await startTestApp({ url: db().url, providers: [DurableTasks] }));
      const tasks = byAnyName(app.get(TaskQueue));
      const first = await tasks.add('durable.run', [], { queue: 'tenant-a' });
      expect(await first.result({ timeoutMs: 10_000 })).toEqual({ payload: { tenant: 'tenant-a' }, instance: 0 });
      const more = await Promise.all(
        ['tenant-a', 'tenant-b', 'tenant-a', 'tenant-b'].map((queue) => tasks.add('durable.run', [], { queue })),
      );
      const results = await Promise.all(more.map((ref) => ref.result({ timeoutMs: 10_000 })));
      expect(durableInstances).toHaveLength(2);
      expect(results).toEqual([
        { payload: { tenant: 'tenant-a' }, instance: 0 },
        { payload: { tenant: 'tenant-b' }, instance: 1 },
        { payload: { tenant: 'tenant-a' }, instance: 0 },
        { payload: { tenant: 'tenant-b' }, instance: 1 },
      ]);
      expect([...strategy.trees.keys()].sort()).toEqual(['tenant-a', 'tenant-b']);
    } finally {
      ContextIdFactory.apply({ attach: () => undefined });
    }
  });

  it('release each run\'s instance and task context after the run (WeakRef and gc over 10,000 runs, in a child process with --expose-gc)', async () => {
    const script = join(dirname(fileURLToPath(import.meta.url)), '..', 'build-test', 'test', 'fixtures', 'scoped-release-process.js');
    const child = fork(script, [], {
      execArgv: ['--expose-gc'],
      env: { ...process.env, QT_URL: db().url, QT_RUNS: '10000' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const lifecycle = childLifecycle(child);
    const report = await new Promise<unknown>((resolve, reject) => {
      child.once('message', resolve);
      child.once('exit', (code) => reject(new Error(`the release check exited with ${code} before it reported`)));
    });
    await lifecycle.exited;
    // Only the instance the fixture keeps on purpose stays (so the check does see a retained one).
    expect(report).toMatchObject({ created: 10_000, alive: 1, keptAlive: true });
    // Contexts: the kept instance's, and those of the last runs only. Nest
    // keeps, on each scoped provider's InstanceWrapper, a promise of its
    // latest resolution, which holds the AsyncLocalStorage store it was made
    // in (a run's context) until the next resolution replaces it: one per
    // provider (here PerRunTasks and TASK_CONTEXT), not a growth.
    const { contextsAlive } = report as { contextsAlive: number[] };
    expect(contextsAlive[0]).toBe(0);
    expect(contextsAlive.length).toBeLessThanOrEqual(3);
    // The fixture runs 20 at once: the last resolutions are among the last 20 runs.
    expect(contextsAlive.filter((index) => index !== 0 && index < 10_000 - 20)).toEqual([]);
  }, 120_000);
});
