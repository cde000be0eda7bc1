/**
 * The influencer file for simulator accounts, on its own so that the CLI launcher (and the
 * benches that reuse it outside vitest) need not load the e2e stack and the harness.
 */

/** YAML influencer file for the given accounts: ids inf-0, inf-1, ... in account order. */
export function influencerYaml(accounts: readonly string[]): string {
  return accounts.map((a, i) => `- id: inf-${i}\n  address: '${a}'\n`).join('');
}
