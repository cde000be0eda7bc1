/** PipelineMetrics.catchUp: connector catch-ups counted by channel and outcome, recovered events summed. */
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { PIPELINE_METRIC_NAMES, PipelineMetrics } from '../../src/obs/index.js';

describe('PipelineMetrics.catchUp', () => {
  it('counts catch-ups per connector, channel and completeness, and the events they recovered', async () => {
    const registry = new Registry();
    const m = new PipelineMetrics(registry);
    m.catchUp({ connectorId: 'hl', channel: 'trades', recovered: 7, complete: true });
    m.catchUp({ connectorId: 'hl', channel: 'trades', recovered: 10, complete: false });
    m.catchUp({ connectorId: 'hl', channel: 'candle', recovered: 3, complete: true });
    const text = await registry.metrics();
    const N = PIPELINE_METRIC_NAMES;
    expect(text).toContain(`${N.catchUps}{connector="hl",channel="trades",complete="true"} 1`);
    expect(text).toContain(`${N.catchUps}{connector="hl",channel="trades",complete="false"} 1`);
    expect(text).toContain(`${N.catchUps}{connector="hl",channel="candle",complete="true"} 1`);
    expect(text).toContain(`${N.catchUpRecovered}{connector="hl",channel="trades"} 17`);
    expect(text).toContain(`${N.catchUpRecovered}{connector="hl",channel="candle"} 3`);
  });
});
