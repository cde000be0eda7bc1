/**
 * Scripted markets: a scenario file (JSON or YAML) lists steps, each executed in block `at`
 * (blocks are numbered from 1). A step names a tracked account (index into the account list or
 * an address), a coin, side, size and price, and a kind: a taker `order` against background
 * makers (or a `counterparty`), a `maker` fill, a `self` trade, a `liquidation`, a `twap`
 * slice, an `adl` or a `settlement`. Steps are validated once, with messages naming the step.
 */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import {
  ConfigError,
  type Decimal,
  dec,
  isDecimalString,
  normalizeAddress,
  parseAt,
  type Address,
} from '../core/index.js';
import type { BlockBuilder } from './execution.js';
import type { Ledger } from './ledger.js';
import { marketOf } from './markets.js';

const DecimalText = z
  .union([z.string(), z.number()])
  .transform((v) => String(v))
  .refine(isDecimalString, 'expected a plain decimal like "0.5"');
const AccountRef = z.union([z.number().int().nonnegative(), z.string()]);

export const STEP_KINDS = ['order', 'maker', 'self', 'liquidation', 'twap', 'adl', 'settlement'] as const;

export const ScenarioStep = z
  .object({
    at: z.number().int().min(1),
    user: AccountRef,
    coin: z.string().min(1),
    side: z.enum(['B', 'A']).optional(),
    sz: DecimalText.optional(),
    px: DecimalText,
    kind: z.enum(STEP_KINDS).default('order'),
    makers: z.number().int().min(1).max(20).default(1),
    counterparty: AccountRef.optional(),
    twapId: z.number().int().positive().optional(),
    cloid: z
      .string()
      .regex(/^0x[0-9a-fA-F]{32}$/)
      .optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    const needs = s.kind !== 'liquidation' && s.kind !== 'settlement';
    if (needs && (s.side === undefined || s.sz === undefined)) {
      ctx.addIssue({ code: 'custom', message: `kind "${s.kind}" needs side and sz` });
    }
    if (!marketOf(s.coin))
      ctx.addIssue({ code: 'custom', path: ['coin'], message: `unknown coin ${JSON.stringify(s.coin)}` });
  });
export type ScenarioStep = z.infer<typeof ScenarioStep>;

/** A scenario: `{accounts?, noise?, steps}`; a bare list of steps is accepted as `{steps}`. */
export const Scenario = z
  .object({
    accounts: z.array(z.string()).optional(),
    /** Add background-only trades to every block (tape noise). */
    noise: z.boolean().default(false),
    steps: z.array(ScenarioStep),
  })
  .strict();
export type Scenario = z.infer<typeof Scenario>;

export function parseScenario(value: unknown): Scenario {
  return parseAt(Scenario, Array.isArray(value) ? { steps: value } : value, 'scenario');
}

export async function loadScenario(path: string): Promise<Scenario> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new ConfigError('CONFIG_NOT_FOUND', `scenario file ${path} cannot be read`, { cause: e });
  }
  let value: unknown;
  try {
    value = parseYaml(text); // YAML is a superset of JSON, so one parser reads both
  } catch (e) {
    throw new ConfigError('CONFIG_INVALID', `scenario file ${path} is not valid JSON/YAML`, { cause: e });
  }
  return parseScenario(value);
}

export interface StepEnv {
  readonly ledger: Ledger;
  readonly resolve: (ref: number | string) => Address;
  readonly background: () => Address;
  readonly newTwapId: () => number;
}

/** Execute one scenario step into the block being built. */
export function applyStep(env: StepEnv, b: BlockBuilder, step: ScenarioStep): void {
  const user = env.resolve(step.user);
  const px = dec(step.px);
  const makers = (): Address[] =>
    step.counterparty !== undefined
      ? [env.resolve(step.counterparty)]
      : Array.from({ length: step.makers }, () => env.background());
  const sz = step.sz !== undefined ? dec(step.sz) : undefined;
  const side = step.side ?? 'B';
  const cloid = step.cloid !== undefined ? { cloid: step.cloid.toLowerCase() } : {};
  switch (step.kind) {
    case 'order':
      return b.order({ user, coin: step.coin, side, sz: sz as Decimal, px, makers: makers(), ...cloid });
    case 'twap':
      return b.order({
        user,
        coin: step.coin,
        side,
        sz: sz as Decimal,
        px,
        makers: makers(),
        twapId: step.twapId ?? env.newTwapId(),
      });
    case 'maker': {
      // The tracked user rests; a background (or named) taker crosses it from the other side.
      const taker = step.counterparty !== undefined ? env.resolve(step.counterparty) : env.background();
      return b.order({
        user: taker,
        coin: step.coin,
        side: side === 'B' ? 'A' : 'B',
        sz: sz as Decimal,
        px,
        makers: [user],
      });
    }
    case 'self': {
      const ms = makers();
      ms.splice(Math.min(1, ms.length), 0, user);
      return b.order({ user, coin: step.coin, side, sz: sz as Decimal, px, makers: ms, ...cloid });
    }
    case 'liquidation': {
      const pos = env.ledger.size(user, step.coin);
      if (pos.isZero()) return;
      return b.order({
        user,
        coin: step.coin,
        side: pos.isPositive() ? 'A' : 'B',
        sz: sz ?? pos.abs(),
        px,
        makers: makers(),
        liquidation: 'market',
      });
    }
    case 'adl': {
      // The tracked user's position is reduced against a (background) liquidated account.
      const liquidated = step.counterparty !== undefined ? env.resolve(step.counterparty) : env.background();
      return b.order({
        user: liquidated,
        coin: step.coin,
        side: side === 'B' ? 'A' : 'B',
        sz: sz as Decimal,
        px,
        makers: [user],
        liquidation: 'backstop',
        makerDir: 'Auto-Deleveraging',
      });
    }
    case 'settlement':
      return b.settle(user, step.coin, px);
  }
}

/** Account addresses named in a scenario, normalized (throws naming the bad one). */
export function scenarioAccounts(s: Scenario): Address[] | undefined {
  return s.accounts?.map((a) => normalizeAddress(a));
}
