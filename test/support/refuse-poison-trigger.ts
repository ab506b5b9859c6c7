import type { TestDatabase } from './test-database.js';

/** A trigger that refuses to complete a task whose result is the string "poison": a completion the database refuses. */
export async function installPoisonTrigger(db: TestDatabase): Promise<void> {
  await db.query(`
    CREATE OR REPLACE FUNCTION public.refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.state = 'completed' AND NEW.result = '"poison"'::jsonb THEN RAISE EXCEPTION 'poison results are refused'; END IF;
      RETURN NEW;
    END $$`);
  await db.query(`CREATE TRIGGER refuse_poison BEFORE UPDATE ON queued_tasks.tasks FOR EACH ROW EXECUTE FUNCTION public.refuse_poison()`);
}

export async function removePoisonTrigger(db: TestDatabase): Promise<void> {
  await db.query(`DROP TRIGGER IF EXISTS refuse_poison ON queued_tasks.tasks`);
}
