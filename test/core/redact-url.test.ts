import { describe, expect, it } from 'vitest';
import { redactUrl, redactUrlsIn } from '../../src/core/index.js';

describe('redactUrl', () => {
  it('masks user-info passwords, lone user names (tokens) and secret-named query parameters', () => {
    expect(redactUrl('http://default:hunter2@ch:8123/')).toBe('http://default:***@ch:8123/');
    expect(redactUrl('redis://:hunter2@redis:6379')).toBe('redis://:***@redis:6379');
    expect(redactUrl('https://ghp_abc123@example.com/x')).toBe('https://***@example.com/x');
    expect(redactUrl('http://ch:8123/?password=hunter2&database=x')).toBe(
      'http://ch:8123/?password=***&database=x',
    );
    expect(redactUrl('socks5://u:p%40ss@proxy:1080')).toBe('socks5://u:***@proxy:1080');
  });

  it('leaves URLs without credentials untouched, and masks what does not parse by pattern', () => {
    expect(redactUrl('http://clickhouse:8123')).toBe('http://clickhouse:8123');
    expect(redactUrl('wss://api.hyperliquid.xyz/ws')).toBe('wss://api.hyperliquid.xyz/ws');
    expect(redactUrl('http://u:pw@[bad')).toBe('http://***@[bad');
  });

  it('masks every URL inside free text', () => {
    expect(redactUrlsIn('raw events -> clickhouse http://a:b@ch:8123/ db x; redis://:c@r:1 down')).toBe(
      'raw events -> clickhouse http://a:***@ch:8123/ db x; redis://:***@r:1 down',
    );
  });
});
