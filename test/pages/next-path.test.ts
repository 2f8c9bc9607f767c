/**
 * Threat: an open redirect. A link to /login?next=https://evil.example looks like ours; after a
 * real login the person would land on a look-alike page asking for the password "again". `next`
 * is followed only when it resolves, the way a browser resolves it, to a path on this site.
 */
import { describe, expect, test } from 'vitest';
import { safeNextPath } from '../../src/http/pages/page-session.js';

describe('safeNextPath', () => {
  test.each([
    ['/account/otp/new', '/account/otp/new'],
    ['/account/authenticators/abc/remove', '/account/authenticators/abc/remove'],
    ['/account/verify?next=%2Faccount', '/account/verify?next=%2Faccount'],
    ['/a/../account', '/account'],
    ['/account//otp', '/account//otp'],
  ])('keeps the path %s', (raw, expected) => {
    expect(safeNextPath(raw)).toBe(expected);
  });

  test.each([
    'https://evil.example/',
    '//evil.example/account',
    '/\\evil.example',
    '\\\\evil.example',
    '/\t/evil.example',
    '/\n/evil.example',
    ' //evil.example',
    'javascript:alert(1)',
    'data:text/html,hi',
    'http://twofold.invalid.evil.example/',
    // On our origin for the URL parser, but serialized as `//evil.example`: another site.
    '/..//evil.example/login',
    '/.//evil.example',
    '/a/..//evil.example',
    '/%2e%2e//evil.example',
    '/..\\/evil.example',
    '',
    `/${'a'.repeat(600)}`,
  ])('refuses %j', (raw) => {
    expect(safeNextPath(raw)).toBeUndefined();
  });

  test('refuses what is not a string', () => {
    expect(safeNextPath(['/account'])).toBeUndefined();
    expect(safeNextPath(undefined)).toBeUndefined();
  });
});
