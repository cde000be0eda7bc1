/** The shared EventLog conformance suite against the Postgres backend (the harness's postgres). */
import { PostgresEventLog } from '../../../src/pipeline/eventlog/index.js';
import { services, uniqueName } from '../../harness/index.js';
import { eventLogConformance } from './conformance.js';

eventLogConformance('postgres', () => {
  const table = uniqueName('elog');
  return { open: () => PostgresEventLog.open({ url: services().postgres.url, table, poolSize: 4 }) };
});
