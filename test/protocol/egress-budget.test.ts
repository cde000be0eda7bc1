import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BudgetError, systemClock } from '../../src/core/index.js';
import { EgressBudget } from '../../src/protocol/index.js';

const U = (n: number): string => `0x${n.toString(16).padStart(40, '0')}`;

describe('EgressBudget', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('counts a user once across subscriptions and connections, refuses the 11th with a clear message', () => {
    const b = new EgressBudget({ name: 'egress-a', clock: systemClock });
    for (let i = 0; i < 10; i++) {
      expect(b.reserveSubscription('c1', `fills-${i}`, U(i)).ok).toBe(true);
      expect(b.reserveSubscription('c2', `state-${i}`, U(i)).ok).toBe(true);
    }
    expect(b.usage()).toMatchObject({ users: 10, subscriptions: 20 });
    const r = b.reserveSubscription('c1', 'fills-10', U(10));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toBeInstanceOf(BudgetError);
    expect(r.error.code).toBe('SOURCE_USER_CAP');
    expect(r.error.message).toMatch(/egress budget "egress-a": unique-user cap reached \(10\/10/);
    // A user already held is still fine (server behaviour, §5.1).
    expect(b.reserveSubscription('c3', 'events-0', U(0)).ok).toBe(true);
    // Releasing a connection frees the users only it held.
    b.releaseConnection('c2');
    b.releaseSubscription('c1', 'fills-0'); // U(0) is still held by c3
    expect(b.usage().users).toBe(10);
    b.releaseSubscription('c1', 'fills-9');
    expect(b.usage().users).toBe(9);
    expect(b.reserveSubscription('c1', 'fills-10', U(10)).ok).toBe(true);
  });

  it('refuses subscriptions over the cap and connections over the cap', () => {
    const b = new EgressBudget({ limits: { maxSubscriptions: 2, maxConnections: 1 }, clock: systemClock });
    expect(b.reserveSubscription('c', 'a', null).ok).toBe(true);
    expect(b.reserveSubscription('c', 'a', null).ok).toBe(true); // idempotent
    expect(b.reserveSubscription('c', 'b', null).ok).toBe(true);
    const r = b.reserveSubscription('c', 'c', null);
    expect(!r.ok && r.error.code).toBe('SOURCE_SUBSCRIPTION_CAP');
    expect(b.registerConnection('x').ok).toBe(true);
    const c = b.registerConnection('y');
    expect(!c.ok && c.error.message).toMatch(/connection cap reached \(1\/1/);
  });

  it('message budget refuses with retryAfter and recovers as the rolling window moves', () => {
    const b = new EgressBudget({ limits: { maxMessagesPerWindow: 3, windowMs: 60_000 }, clock: systemClock });
    expect(b.trySend().ok).toBe(true);
    vi.advanceTimersByTime(20_000);
    expect(b.trySend().ok).toBe(true);
    expect(b.trySend().ok).toBe(true);
    const r = b.trySend();
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('SOURCE_MESSAGE_RATE');
    expect(r.retryAfterMs).toBe(40_000);
    expect(r.error.message).toMatch(/pings and resubscribes included/);
    vi.advanceTimersByTime(39_999);
    expect(b.trySend().ok).toBe(false);
    vi.advanceTimersByTime(1);
    expect(b.trySend().ok).toBe(true);
    expect(b.usage().messagesInWindow).toBe(3);
  });

  it('new-connection budget is a rolling window too', () => {
    const b = new EgressBudget({ limits: { maxNewConnectionsPerWindow: 2 }, clock: systemClock });
    expect(b.tryNewConnection().ok).toBe(true);
    expect(b.tryNewConnection().ok).toBe(true);
    const r = b.tryNewConnection();
    expect(!r.ok && r.retryAfterMs).toBe(60_000);
    vi.advanceTimersByTime(60_000);
    expect(b.tryNewConnection().ok).toBe(true);
  });
});
