/**
 * The versioning rules for payload layouts, as code (254Carbon versioning): against the
 * committed layouts, a payload type may never disappear or change code, and its published
 * fields must stay exactly as they were, in order (name, type, scale, enum values as a
 * prefix). New fields may only be appended. Anything else is a breaking change: publish a new
 * payload type (…_V2) and bump the major version of every connector that switches to it.
 */
import type { FieldSpec, PayloadLayout } from './layouts.js';

export function layoutBreaks(
  committed: readonly PayloadLayout[],
  current: readonly PayloadLayout[],
): string[] {
  const problems: string[] = [];
  const byType = new Map(current.map((l) => [l.payloadType, l]));
  const codes = new Map<number, string>();
  for (const l of current) {
    const other = codes.get(l.code);
    if (other !== undefined) problems.push(`${l.payloadType}: code ${l.code} already used by ${other}`);
    codes.set(l.code, l.payloadType);
  }
  for (const old of committed) {
    const now = byType.get(old.payloadType);
    if (now === undefined) {
      problems.push(`${old.payloadType}: removed; published payload types stay (add a new version instead)`);
      continue;
    }
    if (now.code !== old.code) problems.push(`${old.payloadType}: code changed ${old.code} → ${now.code}`);
    old.fields.forEach((f, i) => {
      const g = now.fields[i];
      if (g === undefined)
        problems.push(
          `${old.payloadType}.${f.name}: removed (needs a new payload version and a connector major bump)`,
        );
      else {
        const why = fieldChange(f, g);
        if (why !== undefined)
          problems.push(
            `${old.payloadType}.${f.name}: ${why} (needs a new payload version and a connector major bump)`,
          );
      }
    });
  }
  return problems;
}

function fieldChange(a: FieldSpec, b: FieldSpec): string | undefined {
  if (a.name !== b.name) return `renamed or moved to "${b.name}"`;
  if (a.type !== b.type) return `type ${a.type} → ${b.type}`;
  if ((a.scale ?? null) !== (b.scale ?? null)) return `scale ${a.scale} → ${b.scale}`;
  const av = a.values ?? [];
  const bv = b.values ?? [];
  if (av.some((v, i) => bv[i] !== v)) return `enum values changed (only appending is allowed)`;
  return undefined;
}
