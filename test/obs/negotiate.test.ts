import { describe, expect, it } from 'vitest';
import { prefersHtml } from '../../src/obs/index.js';

describe('prefersHtml', () => {
  it.each([
    ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', true],
    ['text/html', true],
    ['text/*', true],
    ['application/json;q=0.4, text/html;q=0.9', true],
    [undefined, false],
    ['', false],
    ['*/*', false],
    ['application/json', false],
    ['application/json, text/html', false],
    ['text/html;q=0', false],
    ['text/html;q=abc', false],
    ['garbage;;;,', false],
  ])('%s -> %s', (accept, expected) => {
    expect(prefersHtml(accept)).toBe(expected);
  });
});

describe('prefersHtml: case, spacing, wildcards and ties (negotiator semantics)', () => {
  it.each([
    ['TEXT/HTML', true],
    ['text/html ; q=0.5 ,  application/json;q=0.4', true],
    ['application/*;q=0.9, text/html;q=0.8', false],
    // A range with a parameter only matches an offer with that parameter (we offer none).
    ['text/html;charset=utf-8, application/json;q=0.1', false],
    // Equal q: the range the client listed first wins, as in express.
    ['text/html;q=0.8, application/json;q=0.8', true],
    ['application/json;q=0.8, text/html;q=0.8', false],
  ])('%s -> %s', (accept, expected) => {
    expect(prefersHtml(accept)).toBe(expected);
  });
});
