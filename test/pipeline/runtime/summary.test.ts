/** The live summary line: aggregation adds the bar count, latest close/volume and consensus. */
import { describe, expect, it } from 'vitest';
import { goldenVectors } from '../../../src/pipeline/aggregation/index.js';
import { Summary } from '../../../src/pipeline/runtime/index.js';

const totals = { raw: 10, ingested: 10, quarantined: 0, duplicates: 0 };

describe('Summary', () => {
  it('has no aggregation part before the first bar, then shows the latest bar and consensus', () => {
    const s = new Summary(0);
    expect(s.line(1000, totals, [])).not.toContain('bars');
    s.observeVectors(goldenVectors());
    const line = s.line(2000, totals, []);
    // Golden: ticks 0 (complete) and 1 (early); tick 1 trades 99 then 98 (volume 2), no signals.
    expect(line).toMatch(/\| bars 2 hl\.perp\.BTC c=98 v=2 L0\/S0 r=-$/);
  });

  it('shows the consensus ratio of the newest tick', () => {
    const s = new Summary(0);
    const [tick0] = goldenVectors().filter((v) => v.kind === 'tick');
    if (tick0 === undefined) throw new Error('no golden tick');
    s.observeVectors([tick0]);
    // whale-1 LONG, whale-2 SHORT in tick 0: ratio 0.50.
    expect(s.line(1000, totals, [])).toMatch(/bars 1 hl\.perp\.BTC c=101 v=3 L1\/S1 r=0\.50$/);
  });
});
