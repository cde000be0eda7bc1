/**
 * The Hyperliquid and ingester side of `ingest pipeline run`, composed here (the CLI is a
 * composition root; src/pipeline never starts a simulator or the ingester):
 * - on the local default (`source.kind: simulator`) an embedded simulator is started with the
 *   ingester's simulator settings and the `hyperliquid-market-data` connector points at it;
 *   with `source.kind: hyperliquid` it uses the configured network's URLs;
 * - with `withIngester`, the influencer ingester (App) runs in the same process on the same
 *   source (its simulator is the one the market data reads), publishing its raw fills and
 *   signals into an IngesterTap that the `influencer-ingester` connector consumes, so both
 *   halves land in one event stream. Its ops server takes any free port (the pipeline's keeps
 *   the configured one).
 * Returned: the extra connector factories for startPipelineRuntime, a banner line, the closer.
 */
import type { Clock, Logger } from '../../core/index.js';
import { IngesterTap } from '../../core/index.js';
import type { ServiceConfig } from '../../config/index.js';
import type { ConnectorFactories } from '../../pipeline/connectors/index.js';
import { HL_MARKET_KIND, hyperliquidMarketFactory } from '../../pipeline/connectors/hyperliquid/index.js';
import {
  INFLUENCER_INGESTER_KIND,
  influencerIngesterFactory,
} from '../../pipeline/connectors/influencer/index.js';

export interface PipelineSources {
  readonly factories: ConnectorFactories;
  readonly describe: string;
  close(): Promise<void>;
}

export interface PipelineSourcesOptions {
  /** Also run the influencer ingester and feed its fills and signals to the pipeline. */
  readonly withIngester?: boolean;
}

export async function pipelineSources(
  config: ServiceConfig,
  logger: Logger & { level: string },
  clock: Clock,
  opts: PipelineSourcesOptions = {},
): Promise<PipelineSources> {
  if (opts.withIngester === true) {
    const { App } = await import('../../app/index.js');
    const tap = new IngesterTap();
    const app = new App({ config: { ...config, http: { ...config.http, port: 0 } }, logger, clock, tap });
    try {
      await app.start();
    } catch (err) {
      await app.close(5000);
      throw err;
    }
    const wsUrl = app.sim?.wsUrl ?? config.hyperliquid.wsUrl;
    const infoUrl = app.sim?.infoUrl ?? config.hyperliquid.infoUrl;
    return {
      factories: {
        [HL_MARKET_KIND]: hyperliquidMarketFactory({}, { wsUrl, infoUrl }),
        [INFLUENCER_INGESTER_KIND]: influencerIngesterFactory(tap),
      },
      describe: `influencer ingester in-process (ops ${app.httpUrl ?? 'off'}); Hyperliquid market data from ${wsUrl}`,
      close: () => app.close(15_000),
    };
  }
  if (config.source.kind === 'simulator') {
    const { startSimulator } = await import('../../sim/index.js');
    const s = config.source.simulator;
    const sim = await startSimulator(
      { seed: s.seed, accounts: s.accounts, tickMs: s.tickMs, host: s.host, port: s.port },
      { clock, logger },
    );
    return {
      factories: {
        [HL_MARKET_KIND]: hyperliquidMarketFactory({}, { wsUrl: sim.wsUrl, infoUrl: sim.infoUrl }),
      },
      describe: `Hyperliquid market data from the embedded simulator ${sim.wsUrl}`,
      close: () => sim.close(),
    };
  }
  const { wsUrl, infoUrl } = config.hyperliquid;
  return {
    factories: { [HL_MARKET_KIND]: hyperliquidMarketFactory({}, { wsUrl, infoUrl }) },
    describe: `Hyperliquid market data from ${wsUrl}`,
    close: () => Promise.resolve(),
  };
}
