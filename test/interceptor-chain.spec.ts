/**
 * The interceptor chain and the interceptor check, without a database: the
 * worker's call into a handler (lib/worker/handler-invoker.ts) for
 * singleton handlers, and the bootstrap validation of interceptor classes.
 */
import { assertInterceptorClass } from '../lib/discovery/interceptor-resolver.js';
import type { InterceptorBinding, TaskDefinition } from '../lib/discovery/task-definition.js';
import { InvalidTaskInterceptorError, type TaskCallHandler, type TaskContext, type TaskExecutionContext, type TaskInterceptor } from '../lib/index.js';
import { invokeHandler } from '../lib/worker/handler-invoker.js';

class Handlers {
  calls = 0;
  double(n: number): number {
    this.calls++;
    return n * 2;
  }
  throwsSync(): never {
    throw new Error('sync');
  }
}

const task = { id: '1', name: 'double', queue: 'default', attempt: 1 } as TaskContext;

function definition(methodName: keyof Handlers, instance: Handlers, interceptors: TaskInterceptor[]): TaskDefinition {
  const bindings: InterceptorBinding[] = interceptors.map((instance) => ({ type: instance.constructor as never, instance }));
  return {
    name: methodName,
    target: Handlers,
    methodName,
    instance: instance as never,
    options: {},
    // A singleton with singleton interceptors: the container is never asked.
    invocation: bindings.length === 0 ? null : { moduleRef: undefined as never, scoped: false, token: Handlers, interceptors: bindings, scopedInterceptors: false },
  };
}

function around(label: string, journal: string[]): TaskInterceptor {
  return {
    async intercept(_context: TaskExecutionContext, next: TaskCallHandler) {
      journal.push(`> ${label}`);
      const result = await next.handle();
      journal.push(`< ${label}`);
      return result;
    },
  };
}

describe('invokeHandler', () => {
  it('calls a singleton without interceptors directly: the value, not a promise', () => {
    const handlers = new Handlers();
    expect(invokeHandler(definition('double', handlers, []), task, [21])).toBe(42);
  });

  it('runs interceptors outermost first around the handler', async () => {
    const journal: string[] = [];
    const handlers = new Handlers();
    const result = await invokeHandler(definition('double', handlers, [around('a', journal), around('b', journal)]), task, [2]);
    expect(result).toBe(4);
    expect(journal).toEqual(['> a', '> b', '< b', '< a']);
  });

  it('gives each interceptor the run: task, args, class, method', async () => {
    const seen: unknown[] = [];
    const spy: TaskInterceptor = {
      intercept(context, next) {
        seen.push([context.task, context.args, context.getClass(), context.getHandler(), context.methodName]);
        return next.handle();
      },
    };
    await invokeHandler(definition('double', new Handlers(), [spy]), task, [5]);
    expect(seen).toEqual([[task, [5], Handlers, Handlers.prototype.double, 'double']]);
  });

  it('skips the handler when an interceptor does not call next, and takes what it returns (sync too)', async () => {
    const handlers = new Handlers();
    const result = await invokeHandler(definition('double', handlers, [{ intercept: () => 'cached' }]), task, [5]);
    expect(result).toBe('cached');
    expect(handlers.calls).toBe(0);
  });

  it('turns a handler or interceptor that throws synchronously into a rejection an outer interceptor can catch', async () => {
    const caught: unknown[] = [];
    const outer: TaskInterceptor = {
      async intercept(_context, next) {
        try {
          return await next.handle();
        } catch (error) {
          caught.push((error as Error).message);
          throw error;
        }
      },
    };
    const throwing: TaskInterceptor = {
      intercept() {
        throw new Error('interceptor');
      },
    };
    await expect(invokeHandler(definition('throwsSync', new Handlers(), [outer]), task, [])).rejects.toThrow('sync');
    await expect(invokeHandler(definition('double', new Handlers(), [outer, throwing]), task, [1])).rejects.toThrow('interceptor');
    expect(caught).toEqual(['sync', 'interceptor']);
  });

  it('lets an interceptor call next twice (an in-process retry): the handler runs twice', async () => {
    const handlers = new Handlers();
    const twice: TaskInterceptor = {
      async intercept(_context, next) {
        return [await next.handle(), await next.handle()];
      },
    };
    expect(await invokeHandler(definition('double', handlers, [twice]), task, [3])).toEqual([6, 6]);
    expect(handlers.calls).toBe(2);
  });
});

describe('assertInterceptorClass', () => {
  class Good implements TaskInterceptor {
    intercept(_context: TaskExecutionContext, next: TaskCallHandler) {
      return next.handle();
    }
  }
  class NoIntercept {}

  it('accepts a class with intercept() on its prototype', () => {
    expect(assertInterceptorClass(Good, 'here')).toBe(Good);
  });

  it.each([
    [undefined, 'undefined'],
    [null, 'null'],
    [NoIntercept, 'NoIntercept (it has no intercept() on its prototype)'],
    [new Good(), 'an instance of Good (pass the class, not an instance)'],
    [{ intercept: () => 1 }, 'an object'],
    ['Good', 'string Good'],
  ])('refuses %p, naming the place and the value', (value, given) => {
    const error = (() => {
      try {
        assertInterceptorClass(value, 'the module option interceptors[0]');
      } catch (thrown) {
        return thrown;
      }
    })() as InvalidTaskInterceptorError;
    expect(error).toBeInstanceOf(InvalidTaskInterceptorError);
    expect(error.source).toBe('the module option interceptors[0]');
    expect(error.given).toBe(given);
    expect(error.message).toBe(`Invalid task interceptor in the module option interceptors[0]: ${given} is not a class with an intercept(context, next) method.`);
  });
});
