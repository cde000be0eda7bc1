/**
 * The frame memo is for a process that holds both listeners of an influencer (role `all`). A
 * distributed listener process runs one slot of each, so no second copy ever arrives there:
 * it gets no memo, rather than remembering (and freezing) every frame for nothing.
 */
import { describe, expect, it } from 'vitest';
import { ListenerStage } from '../../src/app/listener-stage.js';
import { parseServiceConfig } from '../../src/config/index.js';
import { silentLogger, systemClock } from '../../src/core/index.js';
import { FrameMemo } from '../../src/protocol/index.js';

const stageFor = (slots: 'both' | 'primary' | 'secondary'): ListenerStage =>
  new ListenerStage({
    config: parseServiceConfig({}),
    clock: systemClock,
    logger: silentLogger,
    wsUrl: 'ws://127.0.0.1:1/ws',
    infoUrl: 'http://127.0.0.1:1/info',
    sink: { publish: () => undefined, flush: () => Promise.resolve(), close: () => Promise.resolve() },
    slots,
    influencers: () => [],
    onRawEvent: () => undefined,
    onDeadLetter: () => undefined,
  });

describe('ListenerStage frame memo', () => {
  it('shares parsed frames only where both slots run', () => {
    expect(stageFor('both').manager.frameMemo).toBeInstanceOf(FrameMemo);
    expect(stageFor('primary').manager.frameMemo).toBeNull();
    expect(stageFor('secondary').manager.frameMemo).toBeNull();
  });
});
