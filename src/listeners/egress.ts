/**
 * Egress pools: one outbound IP each (a proxy or a bound local address), with its own
 * per-IP WebSocket budget (EgressBudget) and its own REST weight budget + InfoClient, because
 * Hyperliquid enforces every limit per IP (docs/hyperliquid-protocol.md §5). Socket options come from
 * the pool: `proxyUrl` (http/https via https-proxy-agent, socks via socks-proxy-agent) or
 * `localAddress`. Info requests of a pool go out the same way (a small node:http fetch that
 * honours the agent / local address), so REST weight is charged to the IP that really pays it.
 */
import { request as httpRequest } from 'node:http';
import type { Agent } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { SocksProxyAgent } from 'socks-proxy-agent';
import type { Clock, DeadLetter, Logger, RetryPolicy } from '../core/index.js';
import { ConfigError, redactUrl } from '../core/index.js';
import type { EgressLimits, FetchLike, FillGuard, SocketOptions } from '../protocol/index.js';
import { EgressBudget, InfoClient, InfoWeightBudget } from '../protocol/index.js';

export interface EgressPoolConfig {
  readonly name: string;
  /** `http://`, `https://`, `socks://`, `socks4://`, `socks5://` (`socks5h://`) proxy URL. */
  readonly proxyUrl?: string;
  /** Local address to bind (an egress IP of this host; 127.0.0.x against the simulator). */
  readonly localAddress?: string;
  /** Client-side WS limits for this IP (defaults: the documented ones). */
  readonly limits?: Partial<EgressLimits>;
  /** REST weight per minute for this IP (default 1200). */
  readonly infoWeightPerMinute?: number;
}

export interface EgressPoolHandle {
  readonly name: string;
  readonly budget: EgressBudget;
  readonly info: InfoClient;
  readonly socket: SocketOptions;
}

/** An agent for a proxy URL; throws ConfigError naming the scheme when unsupported. */
export function proxyAgent(proxyUrl: string): Agent {
  let u: URL;
  try {
    u = new URL(proxyUrl);
  } catch (cause) {
    throw new ConfigError(
      'CONFIG_INVALID',
      `egress proxyUrl ${JSON.stringify(redactUrl(proxyUrl))} is not a URL`,
      {
        cause,
      },
    );
  }
  if (u.protocol === 'http:' || u.protocol === 'https:') return new HttpsProxyAgent(u);
  if (u.protocol.startsWith('socks')) return new SocksProxyAgent(u);
  throw new ConfigError(
    'CONFIG_INVALID',
    `egress proxyUrl scheme ${u.protocol} is not supported (use http, https, socks4, socks5)`,
  );
}

/** fetch over node:http(s) with an agent / local address (global fetch honours neither). */
export function agentFetch(agent: Agent | undefined, localAddress: string | undefined): FetchLike {
  return (url, init) =>
    new Promise<Response>((resolve, reject) => {
      const u = new URL(url);
      const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(
        u,
        {
          method: init.method ?? 'GET',
          headers: init.headers as Record<string, string>,
          ...(agent ? { agent } : {}),
          ...(localAddress ? { localAddress } : {}),
          ...(init.signal ? { signal: init.signal } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 500 })),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      if (typeof init.body === 'string') req.write(init.body);
      req.end();
    });
}

export function createEgressPool(
  cfg: EgressPoolConfig,
  deps: {
    clock: Clock;
    logger: Logger;
    infoUrl: string;
    retryPolicy?: RetryPolicy;
    /** The boundary validator REST backfill shares with the WebSocket paths. */
    fillGuard?: FillGuard;
    onDeadLetter?: (dl: DeadLetter) => void;
  },
): EgressPoolHandle {
  if (cfg.proxyUrl && cfg.localAddress) {
    throw new ConfigError(
      'CONFIG_INVALID',
      `egress pool ${cfg.name}: set proxyUrl or localAddress, not both`,
    );
  }
  const agent = cfg.proxyUrl ? proxyAgent(cfg.proxyUrl) : undefined;
  const budget = new EgressBudget({
    name: cfg.name,
    clock: deps.clock,
    ...(cfg.limits ? { limits: cfg.limits } : {}),
  });
  const weightBudget = new InfoWeightBudget({
    name: cfg.name,
    clock: deps.clock,
    ...(cfg.infoWeightPerMinute !== undefined ? { weightPerWindow: cfg.infoWeightPerMinute } : {}),
  });
  const info = new InfoClient({
    url: deps.infoUrl,
    clock: deps.clock,
    logger: deps.logger.child({ pool: cfg.name }),
    weightBudget,
    ...(deps.fillGuard ? { fillGuard: deps.fillGuard } : {}),
    ...(deps.onDeadLetter ? { onDeadLetter: deps.onDeadLetter } : {}),
    ...(deps.retryPolicy ? { retryPolicy: deps.retryPolicy } : {}),
    ...(agent || cfg.localAddress ? { fetch: agentFetch(agent, cfg.localAddress) } : {}),
  });
  return {
    name: cfg.name,
    budget,
    info,
    socket: {
      ...(agent ? { agent } : {}),
      ...(cfg.localAddress ? { localAddress: cfg.localAddress } : {}),
    },
  };
}
