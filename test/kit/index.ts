/**
 * The one test kit: fakes and waits shared by every test folder, so each exists once
 * (a manual clock, condition waits, a fake WebSocket, the ground-truth event id).
 */
export { ManualClock } from './clock.js';
export { FakeWebSocket } from './fake-websocket.js';
export { truthEventId } from './truth.js';
export { until } from './wait.js';
