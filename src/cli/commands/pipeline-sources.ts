/**
 * The Hyperliquid side of `ingest pipeline run`, composed here (the CLI is a composition root;
 * src/pipeline never starts a simulator): on the local default (`source.kind: simulator`) an
 * embedded simulator is started with the same settings the ingester would use and the
 * `hyperliquid-market-data` connector is pointed at it; with `source.kind: hyperliquid` the
 * connector uses the configured network's URLs. Returned: the extra connector factories for
 * startPipelineRuntime, a line for the start-up banner, and the closer.
 */
import type { Clock, Logger } from '../../core/index.js';
import type { ServiceConfig } from '../../config/index.js';
import type { ConnectorFactories } from '../../pipeline/connectors/index.js';
import { HL_MARKET_KIND, hyperliquidMarketFactory } from '../../pipeline/connectors/hyperliquid/index.js';

export interface PipelineSources {
  readonly factories: ConnectorFactories;
  readonly describe: string;
  close(): Promise<void>;
}

export async function pipelineSources(
  config: ServiceConfig,
  logger: Logger,
  clock: Clock,
): Promise<PipelineSources> {
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
    factories: {
      [HL_MARKET_KIND]: hyperliquidMarketFactory(
        {},
        {
          ...(wsUrl !== undefined ? { wsUrl } : {}),
          ...(infoUrl !== undefined ? { infoUrl } : {}),
        },
      ),
    },
    describe: `Hyperliquid market data from ${wsUrl ?? 'the manifest URLs'}`,
    close: () => Promise.resolve(),
  };
}
