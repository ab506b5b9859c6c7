/**
 * Task interceptors: the module's, the class's and the method's, around
 * real runs on PostgreSQL (order, results, errors, DI, bootstrap checks).
 */
import { Global, Injectable, Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  InvalidTaskInterceptorError,
  NonRetryableError,
  QueuedTask,
  QueuedTasksModule,
  TaskFailedError,
  TaskQueue,
  UseTaskInterceptors,
  currentTask,
  type TaskCallHandler,
  type TaskExecutionContext,
  type TaskInterceptor,
} from '../lib/index.js';
import { byAnyName } from './support/by-any-name.js';
import { NoStackLogger } from './support/no-stack-logger.js';
import { startTestApp } from './support/test-app.js';
import { useTestDatabase } from './support/suite.js';

const journal: string[] = [];

/** An interceptor class that writes `enter <label>` and `exit <label>` around the rest of the chain. */
function recording(label: string) {
  @Injectable()
  class Recording implements TaskInterceptor {
    async intercept(_context: TaskExecutionContext, next: TaskCallHandler): Promise<unknown> {
      journal.push(`enter ${label}`);
      try {
        return await next.handle();
      } finally {
        journal.push(`exit ${label}`);
      }
    }
  }
  Object.defineProperty(Recording, 'name', { value: `Recording_${label}` });
  return Recording;
}

const GlobalFirst = recording('global 1');
const GlobalSecond = recording('global 2');
const OnClass = recording('class');
const OnMethod = recording('method 1');
const OnMethodToo = recording('method 2');

@Injectable()
@UseTaskInterceptors(OnClass)
class Ordered {
  @UseTaskInterceptors(OnMethod)
  @UseTaskInterceptors(OnMethodToo)
  @QueuedTask({ name: 'ordered.run' })
  async run(): Promise<string> {
    journal.push('handler');
    return 'ran';
  }

  @QueuedTask({ name: 'ordered.plain' })
  async plain(): Promise<string> {
    journal.push('plain handler');
    return 'plain';
  }
}

@Injectable()
class ToNonRetryable implements TaskInterceptor {
  async intercept(_context: TaskExecutionContext, next: TaskCallHandler): Promise<unknown> {
    try {
      return await next.handle();
    } catch (error) {
      throw new NonRetryableError(`mapped: ${(error as Error).message}`);
    }
  }
}

@Injectable()
class Wrap implements TaskInterceptor {
  async intercept(context: TaskExecutionContext, next: TaskCallHandler): Promise<unknown> {
    return { wrapped: await next.handle(), by: context.methodName };
  }
}

@Injectable()
class ShortCircuit implements TaskInterceptor {
  intercept(): unknown {
    return 'from the interceptor';
  }
}

const seen: Record<string, unknown>[] = [];

@Injectable()
class Observe implements TaskInterceptor {
  intercept(context: TaskExecutionContext, next: TaskCallHandler): Promise<unknown> {
    const { id, name, queue, attempt } = context.task;
    seen.push({
      id,
      name,
      queue,
      attempt,
      args: context.args,
      same: context.task === currentTask(),
      target: context.getClass(),
      handler: context.getHandler(),
      methodName: context.methodName,
    });
    return next.handle();
  }
}

let handlerCalls = 0;

@Injectable()
class Shaped {
  @UseTaskInterceptors(ToNonRetryable)
  @QueuedTask({ name: 'shaped.fail', maxAttempts: 3, backoff: { type: 'fixed', delayMs: 10 } })
  async fail(): Promise<void> {
    handlerCalls++;
    throw new Error('boom');
  }

  @UseTaskInterceptors(Wrap)
  @QueuedTask({ name: 'shaped.wrap' })
  async wrap(n: number): Promise<number> {
    return n * 2;
  }

  @UseTaskInterceptors(ShortCircuit)
  @QueuedTask({ name: 'shaped.skip' })
  async skip(): Promise<string> {
    handlerCalls++;
    return 'from the handler';
  }

  @UseTaskInterceptors(Observe)
  @QueuedTask({ name: 'shaped.observe', queue: 'observed' })
  async observe(a: string, b: number): Promise<string> {
    return `${a}${b}`;
  }
}

/** A service an interceptor depends on. */
@Injectable()
class AuditLog {
  readonly lines: string[] = [];
}

/** A provider of the app: the container's instance, with its dependency. */
@Injectable()
class Audited implements TaskInterceptor {
  constructor(private readonly audit: AuditLog) {}

  async intercept(context: TaskExecutionContext, next: TaskCallHandler): Promise<unknown> {
    const result = await next.handle();
    this.audit.lines.push(`${context.task.name} -> ${String(result)}`);
    return result;
  }
}

@Injectable()
class AuditedTasks {
  @UseTaskInterceptors(Audited)
  @QueuedTask({ name: 'audited.run' })
  async run(x: string): Promise<string> {
    return x.toUpperCase();
  }
}

describe('task interceptors', () => {
  const { db, track } = useTestDatabase();
  let app: INestApplicationContext;

  beforeEach(() => {
    journal.length = 0;
    seen.length = 0;
    handlerCalls = 0;
  });

  it('run the module\'s in array order, then the class\'s, then the method\'s (in written order), outermost first', async () => {
    app = track(await startTestApp({ url: db().url, providers: [Ordered, GlobalSecond], interceptors: [GlobalFirst, GlobalSecond] }));
    const tasks = byAnyName(app.get(TaskQueue));
    expect(await (await tasks.add('ordered.run', [])).result({ timeoutMs: 10_000 })).toBe('ran');
    expect(journal).toEqual([
      'enter global 1',
      'enter global 2',
      'enter class',
      'enter method 1',
      'enter method 2',
      'handler',
      'exit method 2',
      'exit method 1',
      'exit class',
      'exit global 2',
      'exit global 1',
    ]);
    journal.length = 0;
    // A handler of the same class without its own: the module's and the class's only.
    expect(await (await tasks.add('ordered.plain', [])).result({ timeoutMs: 10_000 })).toBe('plain');
    expect(journal).toEqual(['enter global 1', 'enter global 2', 'enter class', 'plain handler', 'exit class', 'exit global 2', 'exit global 1']);
  });

  it('turn an error into NonRetryableError: one attempt, the task fails', async () => {
    app = track(await startTestApp({ url: db().url, providers: [Shaped] }));
    const tasks = app.get(TaskQueue);
    const ref = await byAnyName(tasks).add('shaped.fail', []);
    await expect(ref.result({ timeoutMs: 10_000 })).rejects.toThrow(TaskFailedError);
    const info = await tasks.get(ref.id);
    expect(info.state).toBe('failed');
    expect(info.attempts).toBe(1);
    expect(info.errors).toEqual([expect.objectContaining({ attempt: 1, name: 'NonRetryableError', message: 'mapped: boom' })]);
    expect(handlerCalls).toBe(1);
  });

  it('change the result, or skip the handler by not calling next', async () => {
    app = track(await startTestApp({ url: db().url, providers: [Shaped] }));
    const tasks = byAnyName(app.get(TaskQueue));
    expect(await (await tasks.add('shaped.wrap', [21])).result({ timeoutMs: 10_000 })).toEqual({ wrapped: 42, by: 'wrap' });
    expect(await (await tasks.add('shaped.skip', [])).result({ timeoutMs: 10_000 })).toBe('from the interceptor');
    expect(handlerCalls).toBe(0);
  });

  it('see the task context, the arguments, the class and the method', async () => {
    app = track(await startTestApp({ url: db().url, providers: [Shaped] }));
    const ref = await byAnyName(app.get(TaskQueue)).add('shaped.observe', ['x', 7]);
    expect(await ref.result({ timeoutMs: 10_000 })).toBe('x7');
    expect(seen).toEqual([
      {
        id: ref.id,
        name: 'shaped.observe',
        queue: 'observed',
        attempt: 1,
        args: ['x', 7],
        same: true,
        target: Shaped,
        handler: Shaped.prototype.observe,
        methodName: 'observe',
      },
    ]);
  });

  it('come from the container with their dependencies when they are providers', async () => {
    app = track(await startTestApp({ url: db().url, providers: [AuditedTasks, Audited, AuditLog] }));
    const ref = await byAnyName(app.get(TaskQueue)).add('audited.run', ['ok']);
    expect(await ref.result({ timeoutMs: 10_000 })).toBe('OK');
    expect(app.get(AuditLog).lines).toEqual(['audited.run -> OK']);
    expect(app.get(Audited)).toBeInstanceOf(Audited);
  });

  it('are created by Nest with their dependencies injected when no module lists them (forRootAsync, from its imports)', async () => {
    @Injectable()
    class Tenancy {
      readonly tenant = 't1';
    }
    @Module({ providers: [Tenancy], exports: [Tenancy] })
    class TenancyModule {}
    const tenants: string[] = [];
    @Injectable()
    class TenantInterceptor implements TaskInterceptor {
      constructor(private readonly tenancy: Tenancy) {}
      intercept(_context: TaskExecutionContext, next: TaskCallHandler): Promise<unknown> {
        tenants.push(this.tenancy.tenant);
        return next.handle();
      }
    }
    @Global()
    @Module({ providers: [AuditLog], exports: [AuditLog] })
    class GlobalAuditModule {}
    @Module({
      imports: [
        GlobalAuditModule,
        QueuedTasksModule.forRootAsync({
          imports: [TenancyModule],
          useFactory: () => ({ connection: { url: db().url, poolSize: 4 }, interceptors: [TenantInterceptor, Audited] }),
        }),
      ],
      providers: [AuditedTasks],
    })
    class AsyncAppModule {}
    app = track(await NestFactory.createApplicationContext(AsyncAppModule, { logger: new NoStackLogger(), abortOnError: false }));
    const ref = await byAnyName(app.get(TaskQueue)).add('audited.run', ['a']);
    expect(await ref.result({ timeoutMs: 10_000 })).toBe('A');
    expect(tenants).toEqual(['t1']);
    // The global module's AuditLog, injected into the Audited that Nest created.
    expect(app.get(AuditLog).lines).toEqual(['audited.run -> A', 'audited.run -> A']);
  });

  it('fail bootstrap, named, when one is not a class with intercept()', async () => {
    class NotAnInterceptor {
      run(): void {}
    }
    const global = startTestApp({ url: db().url, providers: [Ordered], interceptors: [NotAnInterceptor as never] });
    await expect(global).rejects.toThrow(InvalidTaskInterceptorError);
    await expect(global).rejects.toThrow(/module option interceptors\[0\]: NotAnInterceptor/);

    @Injectable()
    class BadMethod {
      @UseTaskInterceptors(Wrap, new Wrap() as never)
      @QueuedTask({ name: 'bad.method' })
      async run(): Promise<void> {}
    }
    const onMethod = startTestApp({ url: db().url, providers: [BadMethod] });
    await expect(onMethod).rejects.toThrow(/@UseTaskInterceptors\(\) of BadMethod\.run \(interceptor 2\): an instance of Wrap/);

    @Injectable()
    @UseTaskInterceptors(undefined as never)
    class BadClass {
      @QueuedTask({ name: 'bad.class' })
      async run(): Promise<void> {}
    }
    await expect(startTestApp({ url: db().url, providers: [BadClass] })).rejects.toThrow(InvalidTaskInterceptorError);
  });
});
