import { describe, expect, test } from '@jest/globals';
import { listedKeys, shownKey, xmlCarries } from '../../src/aws/s3-keys.js';

describe('object keys as listings and requests carry them', () => {
  test('a listing URL-encoded as asked is decoded: %0D a CR, + a space, %2B a plus', () => {
    const decode = listedKeys({ EncodingType: 'url' }, 3, 'S3 ListObjectsV2 of b');
    expect(decode('cr/a%0Db.json')).toBe('cr/a\rb.json');
    expect(decode('sp/a+b%2Bc%2541.json')).toBe('sp/a b+c%41.json');
    expect(decode('uni/%C3%A9%F0%9F%98%80.json')).toBe('uni/é😀.json');
  });

  test('a page of keys not encoded as asked is refused: its CRs cannot be told from line feeds', () => {
    expect(() => listedKeys({}, 2, 'S3 ListObjectVersions of b')).toThrow(
      /S3 ListObjectVersions of b was asked to URL-encode the keys it lists \(EncodingType=url\) and answered without doing so/,
    );
    // An empty page has nothing to decode.
    expect(listedKeys({}, 0, 'S3 ListObjectsV2 of b')('x')).toBe('x');
    const decode = listedKeys({ EncodingType: 'url' }, 1, 'S3 ListObjectsV2 of b');
    expect(() => decode('bad%E0%A4%A')).toThrow(/listed a key that is not URL-encoded as asked/);
  });

  test('XML 1.0 carries a CR, a tab and a line feed, but no other control character', () => {
    expect(xmlCarries('cr/a\rb\tc\nd.json')).toBe(true);
    expect(xmlCarries('ctl/a\u0001b.json')).toBe(false);
    expect(xmlCarries('nul/\u0000')).toBe(false);
    expect(xmlCarries('del/\u007f')).toBe(true);
  });

  test('a message names a key quoted, with what it hides written out', () => {
    expect(shownKey('cr/a\rb\u0001.json')).toBe('"cr/a\\rb\\u0001.json"');
  });
});
