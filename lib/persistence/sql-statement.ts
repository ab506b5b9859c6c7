import { createHash } from 'node:crypto';

/** A statement text with the name it is prepared under on each pooled connection. */
export interface SqlStatement {
  name: string;
  text: string;
}

/**
 * Hot statements are sent as named prepared statements: PostgreSQL parses and
 * plans them once per connection instead of on every call. The name is a hash
 * of the text so two schemas (two texts) never share a name.
 */
export function prepared(text: string): SqlStatement {
  return { name: `qt_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`, text };
}
