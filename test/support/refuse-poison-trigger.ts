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

/**
 * A trigger that refuses to insert two argument lists: `["refuse-as-value"]`
 * as a value (SQLSTATE 22023) and `["refuse-otherwise"]` otherwise (XX000).
 * @returns its removal.
 */
export async function installRefuseArgsTrigger(db: TestDatabase): Promise<() => Promise<void>> {
  await db.query(`
    CREATE OR REPLACE FUNCTION public.refuse_args() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.args = '["refuse-as-value"]'::jsonb THEN RAISE EXCEPTION 'value refused' USING ERRCODE = '22023'; END IF;
      IF NEW.args = '["refuse-otherwise"]'::jsonb THEN RAISE EXCEPTION 'refused otherwise' USING ERRCODE = 'XX000'; END IF;
      RETURN NEW;
    END $$`);
  await db.query(`CREATE TRIGGER refuse_args BEFORE INSERT ON queued_tasks.tasks FOR EACH ROW EXECUTE FUNCTION public.refuse_args()`);
  return async () => {
    await db.query(`DROP TRIGGER refuse_args ON queued_tasks.tasks`);
  };
}
