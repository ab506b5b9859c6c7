import type { QueueTables } from '../queue-tables.js';

/**
 * The CTE `children` of a statement that finishes tasks: the rows of its CTE
 * named `finished` (columns id, state, has_children) that are parents are
 * handed to the schema's `settle_children` function (migration
 * TaskControl1764201600000), which releases or dooms their children down
 * the whole graph, in this statement's transaction. Rows without children
 * (nearly all of them) never call it: `HAVING` makes the call vanish when
 * none of the finished rows is a parent, so a drain without dependencies
 * pays for one filter over rows already in memory. The statement must read
 * `children` (a plain SELECT CTE runs only when read).
 */
export function settleChildrenSql(t: QueueTables, channel: string): string {
  return `children AS (
      SELECT ${t.settleChildren}(array_agg(id), array_agg(state), ${channel}) AS settled
      FROM finished WHERE has_children AND state IN ('completed', 'failed', 'cancelled') HAVING count(*) > 0
    )`;
}
