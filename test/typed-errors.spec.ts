/**
 * Every bad input a new user met gets one of our named errors, naming what
 * was wrong, and loses nothing (issue 8): decorator options checked at
 * discovery, values as deep as jsonb stores, values larger than it stores,
 * dates it cannot hold, requests of a batch named by index, connection
 * settings that cannot work, and a queue used before bootstrap.
 */
import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import pg from 'pg';
import { DataSource } from 'typeorm';
import {
  InvalidModuleOptionsError,
  InvalidTaskOptionsError,
  QueueConnectionError,
  QueueDatabaseError,
  QueuedTask,
  QueuedTasksModule,
  QueuedTasksNotReadyError,
  QueueUnavailableError,
  TaskFailedError,
  TaskQueue,
  TaskSerializationError,
} from '../lib/index.js';
import { startTestApp } from './support/test-app.js';
import { installRefuseArgsTrigger } from './support/refuse-poison-trigger.js';
import { useTestDatabase } from './support/suite.js';
import { byAnyName } from './support/by-any-name.js';

/** An array nested `depth` levels deep, built without recursion. */
function nested(depth: number): unknown[] {
  let value: unknown[] = [];
  for (let level = 1; level < depth; level++) value = [value];
  return value;
}

function depthOf(value: unknown): number {
  let depth = 0;
  for (let at = value; Array.isArray(at); at = at[0]) depth++;
  return depth;
}

@Injectable()
class Deep {
  @QueuedTask({ name: 'deep.echo' })
  async echo(value: unknown): Promise<number> {
    return depthOf(value);
  }

  @QueuedTask({ name: 'deep.result', maxAttempts: 3, backoff: { type: 'fixed', delayMs: 10 } })
  async result(): Promise<unknown> {
    return nested(100_000);
  }
}

describe('typed errors for bad input', () => {
  const { db, track } = useTestDatabase();
  const producer = async () => track(await startTestApp({ url: db().url, providers: [Deep], worker: { enabled: false } })).get(TaskQueue);
  const taskCount = async () => Number((await db().query<{ n: string }>(`SELECT count(*) AS n FROM queued_tasks.tasks`))[0]!.n);

  describe('decorator options are checked at discovery', () => {
    it.each([
      ['a backoff without delayMs', { backoff: { type: 'fixed' } }, 'backoff.delayMs'],
      ['maxAttempts 0', { maxAttempts: 0 }, 'maxAttempts'],
      ['maxAttempts 1.5', { maxAttempts: 1.5 }, 'maxAttempts'],
      ['an empty name', { name: '' }, 'name'],
      ['a hard timeout below the timeout', { timeoutMs: 1_000, hardTimeoutMs: 10 }, 'hardTimeoutMs'],
    ])('%s fails bootstrap with InvalidTaskOptionsError naming class and method', async (_label, options, option) => {
      @Injectable()
      class BadlyDecorated {
        @QueuedTask(options as never)
        async run(): Promise<void> {}
      }
      const error = await startTestApp({ url: db().url, providers: [BadlyDecorated], expectBootstrapFailure: true }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidTaskOptionsError);
      expect((error as InvalidTaskOptionsError).option).toBe(option);
      expect((error as Error).message).toContain('@QueuedTask() of BadlyDecorated.run');
    });
  });

  describe('values', () => {
    it('accepts arguments nested as deep as jsonb stores, and gives them back unchanged', async () => {
      const tasks = await producer();
      // The argument list counts as one level: 9,999 more is the deepest accepted.
      for (const depth of [1_500, 9_999]) {
        const ref = await tasks.add(Deep, 'echo', [nested(depth)]);
        expect(depthOf((await ref.info()).args[0])).toBe(depth);
      }
    });

    it('refuses arguments nested deeper than that with TaskSerializationError, and writes nothing', async () => {
      const tasks = await producer();
      const before = await taskCount();
      const error = await tasks.add(Deep, 'echo', [nested(10_000)]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TaskSerializationError);
      expect((error as Error).message).toContain('nested deeper than 10000 levels');
      expect((error as TaskSerializationError).path).toBe(`args${'[0]'.repeat(8)}…(9984 levels)…${'[0]'.repeat(8)}`);
      expect(await taskCount()).toBe(before);
    });

    it('refuses a string longer than jsonb stores with TaskSerializationError naming its path', async () => {
      const tasks = await producer();
      const error = await tasks.add(Deep, 'echo', [{ blob: 'x'.repeat(300 * 1024 * 1024) }]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TaskSerializationError);
      expect((error as TaskSerializationError).path).toBe('args[0].blob');
      expect((error as Error).message).toContain('longer than jsonb stores');
    });

    it('fails a task whose result is nested deeper than jsonb stores once, with TaskSerializationError, without retry', async () => {
      const app = track(await startTestApp({ url: db().url, providers: [Deep] }));
      const ref = await app.get(TaskQueue).add(Deep, 'result', []);
      await expect(ref.result({ timeoutMs: 20_000 })).rejects.toThrow(TaskFailedError);
      const info = await ref.info();
      expect({ attempts: info.attempts, errors: info.errors.map((e) => e.name) }).toEqual({ attempts: 1, errors: ['TaskSerializationError'] });
    });

    it('turns a value the database refuses into TaskSerializationError, and any other refusal into QueueDatabaseError', async () => {
      const tasks = await producer();
      const removeTrigger = await installRefuseArgsTrigger(db());
      try {
        const asValue = await tasks.add(Deep, 'echo', ['refuse-as-value']).catch((e: unknown) => e);
        expect(asValue).toBeInstanceOf(TaskSerializationError);
        expect((asValue as Error).message).toContain('PostgreSQL refused it: value refused');
        const inBatch = await byAnyName(tasks).addMany([{ name: 'deep.echo', args: ['refuse-as-value'] }]).catch((e: unknown) => e);
        expect((inBatch as TaskSerializationError).path).toBe('requests');
        const otherwise = await tasks.add(Deep, 'echo', ['refuse-otherwise']).catch((e: unknown) => e);
        expect(otherwise).toBeInstanceOf(QueueDatabaseError);
        expect((otherwise as QueueDatabaseError).code).toBe('XX000');
      } finally {
        await removeTrigger();
      }
    });
  });

  describe('options', () => {
    it.each([
      ['before the year 1', new Date(-8.64e15)],
      ['after the year 9999', new Date(8.64e15)],
    ])('refuses a runAt %s with InvalidTaskOptionsError', async (_label, runAt) => {
      const tasks = await producer();
      const error = await tasks.add(Deep, 'echo', [1], { runAt }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidTaskOptionsError);
      expect((error as InvalidTaskOptionsError).option).toBe('runAt');
    });

    it('names the request of a batch that is bad, by its index', async () => {
      const tasks = await producer();
      const badArgs = await byAnyName(tasks).addMany([{ name: 'deep.echo', args: [1] }, { name: 'deep.echo', args: [1n] }]).catch((e: unknown) => e);
      expect((badArgs as TaskSerializationError).path).toBe('requests[1].args[0]');
      const badOptions = await byAnyName(tasks)
        .addMany([{ name: 'deep.echo', args: [1] }, { name: 'deep.echo', args: [1], options: { priority: 0.5 } }])
        .catch((e: unknown) => e);
      expect(badOptions).toBeInstanceOf(InvalidTaskOptionsError);
      expect((badOptions as Error).message).toContain('requests[1].options');
    });

    it('refuses a result timeout that is not a whole number of ms', async () => {
      const tasks = await producer();
      const ref = await tasks.add(Deep, 'echo', [1]);
      await expect(ref.result({ timeoutMs: -1 })).rejects.toThrow(InvalidTaskOptionsError);
      await expect(ref.result({ timeoutMs: 2 ** 40 })).rejects.toThrow(InvalidTaskOptionsError);
    });
  });

  describe('connection settings', () => {
    const withUrl = (change: (url: URL) => void) => {
      const url = new URL(db().url);
      change(url);
      return url.toString();
    };

    it.each([
      ['an unset DATABASE_URL', undefined, 'connection.url is not set'],
      ['a malformed URL', 'not a url', 'connection.url is not a URL'],
      ['another scheme', 'mysql://root@localhost/app', 'must start with postgres://'],
    ])('refuses %s with InvalidModuleOptionsError', async (_label, url, message) => {
      const error = await startTestApp({ url, providers: [Deep], expectBootstrapFailure: true }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidModuleOptionsError);
      expect((error as Error).message).toContain(message);
    });

    it('reports an unknown database or role with QueueConnectionError naming host, port and database', async () => {
      const unknownDatabase = withUrl((url) => (url.pathname = '/no_such_database'));
      const dbError = await startTestApp({ url: unknownDatabase, providers: [Deep], expectBootstrapFailure: true }).catch((e: unknown) => e);
      expect(dbError).toBeInstanceOf(QueueConnectionError);
      const { hostname, port } = new URL(db().url);
      expect((dbError as QueueConnectionError).target).toContain(`${hostname}:${port}/no_such_database`);
      expect((dbError as QueueConnectionError).code).toBe('3D000');

      const unknownRole = withUrl((url) => (url.username = 'no_such_role'));
      const roleError = await startTestApp({ url: unknownRole, providers: [Deep], expectBootstrapFailure: true }).catch((e: unknown) => e);
      expect(roleError).toBeInstanceOf(QueueConnectionError);
      expect((roleError as Error).message).toContain('no_such_role@');
      expect((roleError as Error).message).not.toMatch(/postgres:\/\/[^@\s]*:[^@\s]*@/);
    });

    it("reports the application's own DataSource failing to connect with QueueConnectionError too", async () => {
      const dataSource = new DataSource({ type: 'postgres', url: withUrl((url) => (url.pathname = '/no_such_database')) });
      const error = await startTestApp({ dataSource, providers: [Deep], expectBootstrapFailure: true }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(QueueConnectionError);
      expect((error as QueueConnectionError).target).toContain('/no_such_database');
    });

    // Roles belong to the whole server, not to this file's database.
    afterAll(() => db().query(`DROP ROLE IF EXISTS qt_pw_user, qt_no_create`));

    /** A login role of this test, without privileges: `password` is its password on servers that check one. */
    async function createRole(name: string, password: string): Promise<void> {
      await db().query(`DO $$ BEGIN CREATE ROLE ${name} LOGIN PASSWORD '${password}'; EXCEPTION WHEN duplicate_object THEN NULL; END $$`);
    }
    const asRole = (name: string, password: string) =>
      withUrl((url) => {
        url.username = name;
        url.password = password;
      });

    it('reports a wrong password with QueueConnectionError, and never prints the password', async () => {
      await createRole('qt_pw_user', 'right');
      const wrong = asRole('qt_pw_user', 'wrong-secret');
      // A server on trust authentication (the CI's PostgreSQL 15) lets any password in: nothing to check there.
      const probe = new pg.Client({ connectionString: wrong });
      const trusting = await probe.connect().then(
        () => true,
        () => false,
      );
      await probe.end().catch(() => undefined);
      if (trusting) return;
      const error = await startTestApp({ url: wrong, providers: [Deep], expectBootstrapFailure: true }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(QueueConnectionError);
      expect((error as QueueConnectionError).code).toBe('28P01');
      expect((error as Error).message).not.toContain('wrong-secret');
    });

    it('reports migrations the role may not apply with QueueDatabaseError naming the schema', async () => {
      await createRole('qt_no_create', 'pw');
      const error = await startTestApp({ url: asRole('qt_no_create', 'pw'), providers: [Deep], expectBootstrapFailure: true }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(QueueDatabaseError);
      expect((error as QueueDatabaseError).code).toBe('42501');
      expect((error as Error).message).toContain(`applying the queue's migrations to schema "queued_tasks" failed: permission denied`);
    });

    it('reports a host that does not resolve with QueueUnavailableError naming it', async () => {
      const error = await startTestApp({
        url: withUrl((url) => (url.hostname = 'no-such-host.invalid')),
        providers: [Deep],
        expectBootstrapFailure: true,
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(QueueUnavailableError);
      expect((error as Error).message).toContain('no-such-host.invalid:');
    });
  });

  it('says the queue is not ready, not that the class is unregistered, when used before app.init()', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [QueuedTasksModule.forRoot({ connection: { url: db().url, poolSize: 2 }, worker: { enabled: false } })],
      providers: [Deep],
    }).compile();
    const tasks = moduleRef.get(TaskQueue);
    await expect(tasks.add(Deep, 'echo', [1])).rejects.toThrow(QueuedTasksNotReadyError);
    await expect(byAnyName(tasks).add('deep.echo', [1])).rejects.toThrow('before the application finished its bootstrap');
    const app = track(moduleRef.createNestApplication({ logger: false }));
    await app.init();
    await expect(tasks.add(Deep, 'echo', [1])).resolves.toBeDefined();
  });
});
