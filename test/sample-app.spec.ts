import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../sample/app.module.js';
import { useTestDatabase } from './support/suite.js';
import { NoStackLogger } from './support/no-stack-logger.js';

describe('sample app', () => {
  const { db, track } = useTestDatabase();

  async function startSample(): Promise<string> {
    process.env.DATABASE_URL = db().url;
    const app = track<INestApplication>(await NestFactory.create(AppModule, { logger: new NoStackLogger() }));
    await app.listen(0, '127.0.0.1');
    return app.getUrl();
  }

  afterEach(() => {
    delete process.env.DATABASE_URL;
    delete process.env.MAIL_FAILURE_RATE;
  });

  it('enqueues a welcome mail over HTTP and shows its state and result', async () => {
    process.env.MAIL_FAILURE_RATE = '0';
    const base = await startSample();
    const created = await fetch(`${base}/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'ann@example.com', name: 'Ann' }),
    });
    expect(created.status).toBe(201);
    const { welcomeTask, status } = (await created.json()) as { welcomeTask: string; status: string };
    expect(status).toBe(`/tasks/${welcomeTask}`);

    // The sample delays its welcome mail: the task waits `scheduled` until it is due.
    const waiting = (await (await fetch(`${base}${status}`)).json()) as { state: string; queue: string };
    expect(waiting).toMatchObject({ state: 'scheduled', queue: 'mail' });

    const done = (await (await fetch(`${base}${status}?waitMs=10000`)).json()) as Record<string, unknown>;
    expect(done).toMatchObject({ state: 'completed', name: 'mail.welcome', args: ['ann@example.com', 'Ann'], attempts: 1 });
    expect((done.result as { messageId: string }).messageId).toMatch(/^msg-/);
  });

  it('retries a flaky provider and fails a bad address without retrying', async () => {
    process.env.MAIL_FAILURE_RATE = '1';
    const base = await startSample();
    const post = (body: object) =>
      fetch(`${base}/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(
        (r) => r.json() as Promise<{ status: string }>,
      );
    const bad = await post({ email: 'not-an-address', name: 'Bo' });
    const failed = (await (await fetch(`${base}${bad.status}?waitMs=10000`)).json()) as { state: string; errors: { name: string }[] };
    expect(failed.state).toBe('failed');
    expect(failed.errors.map((e) => e.name)).toEqual(['NonRetryableError']);

    const flaky = await post({ email: 'cy@example.com', name: 'Cy' });
    const retried = (await (await fetch(`${base}${flaky.status}?waitMs=3500`)).json()) as { state: string; attempts: number; errors: { message: string }[] };
    expect(retried.attempts).toBeGreaterThanOrEqual(2);
    expect(retried.errors[0]!.message).toContain('mail provider timed out');

    expect((await fetch(`${base}/tasks/99999999`)).status).toBe(404);
  });
});
