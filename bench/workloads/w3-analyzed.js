// W3a: W3 (w3-drain.js) on a table VACUUM ANALYZEd before the drain, as
// autovacuum leaves it; W3 itself runs on a table never analyzed.

import { drainWorkload } from './w3-drain.js';

export default drainWorkload({
  id: 'w3a',
  title: 'W3a — drain, analyzed table',
  analyze: true,
  table: 'then VACUUM ANALYZE, as autovacuum leaves a table',
});
