import { entryOrder } from '../../src/migration/bucket-versions.js';
import { describe, expect, test } from '@jest/globals';
import { compareKeys } from '../../src/migration/bucket-listing.js';
import { copySource } from '../../src/migration/bucket-copy.js';
import { diffJson, parseIgnorePattern } from '../../src/migration/json-diff.js';
import { snapshotIdentifier } from '../../src/migration/database-snapshots.js';
import { endpointHost } from '../../src/migration/dns-record.js';
import { newMigrationId } from '../../src/migration/journal.js';

describe('comparing statistics', () => {
  const source = {
    customers: { count: 57, lastSeen: '2026-11-01' },
    databases: { count: 129 },
    buckets: [
      { name: 'a', modified: 1 },
      { name: 'b', modified: 2 },
    ],
  };

  test('equal data, whatever the key order, has no differences', () => {
    const copy = JSON.parse(JSON.stringify(source)) as typeof source;
    const reordered = {
      databases: copy.databases,
      buckets: copy.buckets,
      customers: copy.customers,
    };
    expect(diffJson(source, reordered)).toEqual([]);
  });

  test('every differing path is listed with both values, missing ones as undefined', () => {
    const target = {
      customers: { count: 56, lastSeen: '2026-11-02' },
      buckets: [{ name: 'a', modified: 1 }],
    };
    expect(diffJson(source, target)).toEqual([
      { path: 'buckets[1]', source: { name: 'b', modified: 2 }, target: undefined },
      { path: 'customers.count', source: 57, target: 56 },
      { path: 'customers.lastSeen', source: '2026-11-01', target: '2026-11-02' },
      { path: 'databases', source: { count: 129 }, target: undefined },
    ]);
  });

  test('ignored paths, with * for any key or index, are skipped', () => {
    const target = {
      ...source,
      customers: { count: 57, lastSeen: 'later' },
      buckets: [
        { name: 'a', modified: 9 },
        { name: 'b', modified: 8 },
      ],
    };
    const ignore = ['customers.lastSeen', 'buckets[*].modified'].map((text) =>
      parseIgnorePattern(text, 'test'),
    );
    expect(diffJson(source, target, ignore)).toEqual([]);
    expect(diffJson(source, target, ignore.slice(0, 1)).map((d) => d.path)).toEqual([
      'buckets[0].modified',
      'buckets[1].modified',
    ]);
  });

  test('a malformed ignore path is a configuration error naming the input', () => {
    expect(() => parseIgnorePattern('a..b', "input 'statistics-ignore'")).toThrow(
      /input 'statistics-ignore': 'a\.\.b' is not a path/,
    );
  });
});

describe('listing order and names', () => {
  test('keys compare in S3 order (UTF-8 bytes), not JavaScript string order', () => {
    const astral = '\u{1F600}'; // UTF-16 surrogates sort below U+FF5E; UTF-8 bytes sort above
    const fullwidth = '\uFF5E';
    expect(astral < fullwidth).toBe(true);
    expect(compareKeys(astral, fullwidth)).toBeGreaterThan(0);
    expect(compareKeys('a/b', 'a/b')).toBe(0);
  });

  test('a copy source encodes each key segment and keeps the slashes', () => {
    expect(copySource('bucket', 'customers/a b+c/ü.json')).toBe(
      'bucket/customers/a%20b%2Bc/%C3%BC.json',
    );
  });

  test('snapshot identifiers are valid RDS identifiers', () => {
    const id = snapshotIdentifier('20261122T060140Z-d61bab', 'prod-records', 'Nested/Database');
    expect(id).toBe('migration-20261122t060140z-d61bab-prod-records-nested-database');
    expect(id).toMatch(/^[a-z][a-z0-9-]*[a-z0-9]$/);
    expect(id).not.toMatch(/--/);
  });
});

describe('the DNS record of the active colour', () => {
  test('points at a host output as it is, and at the host of a URL output', () => {
    expect(endpointHost('staging-green.example.com.')).toBe('staging-green.example.com');
    expect(endpointHost('https://lb-123.eu-west-1.elb.amazonaws.com/app')).toBe(
      'lb-123.eu-west-1.elb.amazonaws.com',
    );
  });
});

describe('migration ids', () => {
  test('sort by time to the millisecond', () => {
    const id = newMigrationId(new Date('2026-11-22T06:33:32.121Z'));
    expect(id).toMatch(/^20261122T063332121Z-[0-9a-f]{6}$/);
  });

  test('always sort after the newest journal, even in the same millisecond or with a clock behind', () => {
    const now = new Date('2026-11-22T06:33:32.121Z');
    const newest = '20261122T063332121Z-ffffff';
    expect(newMigrationId(now, newest) > newest).toBe(true);
    const ahead = '20261122T070000000Z-000000';
    const next = newMigrationId(now, ahead);
    expect(next > ahead).toBe(true);
    expect(next).toMatch(/^20261122T070000001Z-/);
  });
});

describe('the order of a key history in a ListObjectVersions answer', () => {
  // As S3 writes it: one key's entries interleaved newest first, keys XML-escaped.
  const xml = `<?xml version="1.0" encoding="UTF-8"?>
<ListVersionsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Version><Key>a&amp;b/&#x1F600;.json</Key><VersionId>v3</VersionId><IsLatest>true</IsLatest><LastModified>2026-12-01T10:00:01.000Z</LastModified></Version>
  <DeleteMarker><Key>a&amp;b/&#x1F600;.json</Key><VersionId>d2</VersionId><IsLatest>false</IsLatest><LastModified>2026-12-01T10:00:00.000Z</LastModified></DeleteMarker>
  <Version><Key>a&amp;b/&#x1F600;.json</Key><VersionId>v1</VersionId><IsLatest>false</IsLatest><LastModified>2026-12-01T10:00:00.000Z</LastModified></Version>
  <Version><Key>plain</Key><VersionId>null</VersionId><IsLatest>true</IsLatest><LastModified>2026-12-01T10:00:00.000Z</LastModified></Version>
</ListVersionsResult>`;

  test('keeps the written order, unescaping keys, so a same-second tie is placed', () => {
    const order = entryOrder(xml);
    const key = 'a&b/\u{1F600}.json';
    expect([...order.entries()]).toEqual([
      [`${key}\u0000v3`, 0],
      [`${key}\u0000d2`, 1],
      [`${key}\u0000v1`, 2],
      ['plain\u0000null', 3],
    ]);
  });

  test('an answer that is not a listing (an HTML 500) gives no order, never a wrong one', () => {
    expect(entryOrder('<html><body>500 Internal Server Error</body></html>').size).toBe(0);
  });
});
