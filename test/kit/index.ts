/**
 * The one test kit: fakes and waits shared by every test folder, so each exists once
 * (a manual clock, condition waits, a fake WebSocket, the ground-truth event id, NDJSON
 * files read while they are appended).
 * The e2e stack builder (`startAppStack` in ./stack.js) is imported on its own: it reads the
 * integration harness's endpoints and loads the whole App, which unit tests need not pay for.
 * So is `appPerTest` (./app-per-test.js): it registers vitest hooks, and this index is also
 * loaded by child processes and benches that run without vitest.
 */
export { ManualClock } from './clock.js';
export { FakeWebSocket } from './fake-websocket.js';
export { truthEventId } from './truth.js';
export type { TruthAccount } from './truth.js';
export { until } from './wait.js';
export { readNdjson } from './ndjson.js';
export { DOC_FILL } from './protocol-samples.js';
