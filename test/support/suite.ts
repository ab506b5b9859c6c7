import type { INestApplicationContext } from '@nestjs/common';
import { LeakCheck } from './leak-check.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

/**
 * Per-file database plus per-test leak check. Tests register the apps they
 * start with `track`; they are closed after the test (if the test did not)
 * and then nothing of ours may remain open.
 */
export function useTestDatabase(): { db: () => TestDatabase; track: <T extends INestApplicationContext>(app: T) => T } {
  let db: TestDatabase;
  let leaks: LeakCheck;
  let apps: INestApplicationContext[] = [];
  beforeAll(async () => {
    db = await createTestDatabase();
    leaks = new LeakCheck(db);
  });
  afterAll(async () => {
    await db?.close();
  });
  beforeEach(() => leaks.baseline());
  afterEach(async () => {
    const open = apps;
    apps = [];
    await Promise.all(open.map((app) => app.close().catch(() => undefined)));
    await leaks.assertNoLeaks();
  });
  return {
    db: () => db,
    track: (app) => {
      apps.push(app);
      return app;
    },
  };
}
