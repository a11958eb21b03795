import { createHash } from 'node:crypto';
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  DescribeTableCommand,
  ScanCommand,
  type AttributeValue,
  type DynamoDBClient,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { OperationError, RefusalError } from '../core/errors.js';
import type { Clock } from '../core/waiter.js';
import { defined } from '../core/values.js';
import { answered } from '../aws/errors.js';

type Item = Record<string, AttributeValue>;

/** What a table is measured by: its item count and a digest of every item, in any order. */
export interface TableStatistics {
  table: string;
  items: number;
  /** Order-independent: the sum, modulo 2^256, of each item's SHA-256 in canonical form. */
  digest: string;
}

export interface TableComparison {
  source: TableStatistics;
  target: TableStatistics;
  equal: boolean;
}

export interface TableCopyResult {
  source: string;
  target: string;
  items: number;
  /** BatchWriteItem rounds for items DynamoDB left unprocessed (throttled). */
  retries: number;
  durationMs: number;
}

/** A Scan worker per segment; DynamoDB's parallel scan splits the key space evenly. */
const MAX_SEGMENTS = 16;
/** BatchWriteItem's limit. */
const BATCH = 25;
/** Ten million pages of up to 1 MB: a bound on a scan that never ends. */
const MAX_PAGES = 10_000_000;
/** Rounds for unprocessed items after the SDK's own retries, with a growing pause. */
const UNPROCESSED_ROUNDS = 8;

export function segmentsFor(concurrency: number): number {
  return Math.max(1, Math.min(MAX_SEGMENTS, Math.floor(concurrency)));
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

/**
 * One attribute value in a canonical form: set members sorted, map keys sorted, binary as
 * base64. A type this does not know is refused: an item it cannot read must not compare equal.
 */
function canonicalValue(value: AttributeValue): unknown {
  if (value.S !== undefined) return ['S', value.S];
  if (value.N !== undefined) return ['N', value.N];
  if (value.B !== undefined) return ['B', base64(value.B)];
  if (value.BOOL !== undefined) return ['BOOL', value.BOOL];
  if (value.NULL !== undefined) return ['NULL', true];
  if (value.SS !== undefined) return ['SS', [...value.SS].sort()];
  if (value.NS !== undefined) return ['NS', [...value.NS].sort()];
  if (value.BS !== undefined) return ['BS', value.BS.map(base64).sort()];
  if (value.L !== undefined) return ['L', value.L.map(canonicalValue)];
  if (value.M !== undefined) return ['M', canonicalMap(value.M)];
  throw new OperationError(
    `an attribute value of a type this suite cannot read (${Object.keys(value).join(', ')})`,
  );
}

function canonicalMap(map: Item): unknown[] {
  return Object.entries(map)
    .sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0))
    .map(([name, value]) => [name, canonicalValue(value)]);
}

/** An item as one string, the same however its attributes and set members were ordered. */
export function canonicalItem(item: Item): string {
  return JSON.stringify(canonicalMap(item));
}

const MODULUS = 1n << 256n;

/** Counts items and sums their hashes: segments finish in any order, the digest is the same. */
class TableTally {
  items = 0;
  private sum = 0n;

  add(item: Item): void {
    this.items += 1;
    const hash = createHash('sha256').update(canonicalItem(item)).digest('hex');
    this.sum = (this.sum + BigInt(`0x${hash}`)) % MODULUS;
  }

  statistics(table: string): TableStatistics {
    return { table, items: this.items, digest: this.sum.toString(16).padStart(64, '0') };
  }
}

/** Reads only these attributes; names go through placeholders, as reserved words would fail. */
function projectionOf(names: string[]) {
  return {
    ProjectionExpression: names.map((_, index) => `#k${index}`).join(', '),
    ExpressionAttributeNames: Object.fromEntries(names.map((name, index) => [`#k${index}`, name])),
  };
}

/**
 * Every item of one segment, page by page, strongly consistent: a verification right after a
 * copy must see every write the copy made.
 */
async function* scanSegment(
  dynamodb: DynamoDBClient,
  table: string,
  segment: number,
  segments: number,
  /** Only these attributes (the key's), when set. */
  only?: string[],
): AsyncGenerator<Item[]> {
  let start: Item | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const response = await dynamodb.send(
      new ScanCommand({
        TableName: table,
        ConsistentRead: true,
        Segment: segment,
        TotalSegments: segments,
        ...(start ? { ExclusiveStartKey: start } : {}),
        ...(only ? projectionOf(only) : {}),
      }),
    );
    yield response.Items ?? [];
    start = response.LastEvaluatedKey;
    if (!start) return;
  }
  throw new OperationError(`Scanning ${table} did not end after ${MAX_PAGES} pages.`);
}

/** Runs one worker per segment; the first failure is thrown once every worker has stopped. */
async function eachSegment(
  segments: number,
  work: (segment: number) => Promise<void>,
): Promise<void> {
  const results = await Promise.allSettled(
    Array.from({ length: segments }, (_, segment) => work(segment)),
  );
  const failed = results.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
}

/** A table's statistics, from a parallel scan. */
export async function tableStatistics(
  dynamodb: DynamoDBClient,
  table: string,
  segments: number,
): Promise<TableStatistics> {
  const tallies = Array.from({ length: segments }, () => new TableTally());
  await eachSegment(segments, async (segment) => {
    const tally = defined(tallies[segment], `the tally of segment ${segment}`);
    for await (const items of scanSegment(dynamodb, table, segment, segments)) {
      for (const item of items) tally.add(item);
    }
  });
  // The per-segment sums add up to the table's; the order they finished in does not matter.
  let sum = 0n;
  let items = 0;
  for (const tally of tallies) {
    const statistics = tally.statistics(table);
    sum = (sum + BigInt(`0x${statistics.digest}`)) % MODULUS;
    items += statistics.items;
  }
  return { table, items, digest: sum.toString(16).padStart(64, '0') };
}

export async function compareTables(
  dynamodb: DynamoDBClient,
  source: string,
  target: string,
  segments: number,
): Promise<TableComparison> {
  const [from, to] = await Promise.all([
    tableStatistics(dynamodb, source, segments),
    tableStatistics(dynamodb, target, segments),
  ]);
  return {
    source: from,
    target: to,
    equal: from.items === to.items && from.digest === to.digest,
  };
}

function keyOf(description: { KeySchema?: { AttributeName?: string; KeyType?: string }[] }) {
  return (description.KeySchema ?? []).map((key) => `${key.AttributeName}:${key.KeyType}`).join();
}

/**
 * Refuses a copy between tables keyed differently: the items could not be written as they are
 * (a missing key attribute), or would be keyed by something else.
 */
export async function checkSameKeys(
  dynamodb: DynamoDBClient,
  path: string,
  source: string,
  target: string,
): Promise<void> {
  const describe = async (table: string) =>
    (await dynamodb.send(new DescribeTableCommand({ TableName: table }))).Table ?? {};
  const [from, to] = await Promise.all([describe(source), describe(target)]);
  if (keyOf(from) !== keyOf(to)) {
    throw new RefusalError(
      `Table ${path} is keyed ${keyOf(from) || '(unknown)'} in ${source} but ${keyOf(to) || '(unknown)'} in ${target}: its items cannot be copied as they are.`,
      'Keep the key schema in the new version, or move the data with a migration of your own first.',
    );
  }
}

/**
 * Copies every item of `source` into `target`, one Scan worker per segment, each writing what
 * it read in batches of 25 before reading on: memory holds one page per segment. Writes are
 * puts, so a run that died mid-copy is continued by copying again. Items DynamoDB leaves
 * unprocessed are written again with a growing pause, a bounded number of times.
 */
export async function copyTable(
  dynamodb: DynamoDBClient,
  source: string,
  target: string,
  options: { segments: number; clock: Clock },
): Promise<TableCopyResult> {
  const started = options.clock.now();
  const writer = new BatchWriter(dynamodb, target, options.clock);
  let items = 0;
  await eachSegment(options.segments, async (segment) => {
    for await (const page of scanSegment(dynamodb, source, segment, options.segments)) {
      for (let start = 0; start < page.length; start += BATCH) {
        await writer.write(
          page.slice(start, start + BATCH).map((Item) => ({ PutRequest: { Item } })),
        );
      }
      items += page.length;
    }
  });
  return {
    source,
    target,
    items,
    retries: writer.retries,
    durationMs: options.clock.now() - started,
  };
}

/** BatchWriteItem with the unprocessed items written again, a bounded number of times. */
class BatchWriter {
  retries = 0;

  constructor(
    private readonly dynamodb: DynamoDBClient,
    private readonly table: string,
    private readonly clock: Clock,
  ) {}

  async write(requests: WriteRequest[]): Promise<void> {
    let pending = requests;
    for (let round = 0; pending.length > 0; round++) {
      if (round > UNPROCESSED_ROUNDS) {
        throw new OperationError(
          `DynamoDB left ${pending.length} item(s) unprocessed in ${this.table} after ${UNPROCESSED_ROUNDS} retries.`,
        );
      }
      if (round > 0) {
        this.retries += 1;
        await this.clock.sleep(100 * 2 ** round * (0.5 + Math.random() / 2));
      }
      const response = await this.dynamodb.send(
        new BatchWriteItemCommand({ RequestItems: { [this.table]: pending } }),
      );
      pending = response.UnprocessedItems?.[this.table] ?? [];
    }
  }
}

/** BatchGetItem's limit. */
const GET_BATCH = 100;

async function keyAttributes(dynamodb: DynamoDBClient, table: string): Promise<string[]> {
  const described = await dynamodb.send(new DescribeTableCommand({ TableName: table }));
  const names = (described.Table?.KeySchema ?? []).map((key) =>
    answered(key.AttributeName, 'AttributeName of a key (DynamoDB DescribeTable)'),
  );
  if (names.length === 0)
    throw new OperationError(`DescribeTable gave no key schema for ${table}.`);
  return names;
}

/** The keys of `keys` that `table` has, read strongly consistent, unprocessed keys retried. */
async function existingKeys(
  dynamodb: DynamoDBClient,
  table: string,
  keys: Item[],
  names: string[],
  clock: Clock,
): Promise<Set<string>> {
  const found = new Set<string>();
  let pending = keys;
  for (let round = 0; pending.length > 0; round++) {
    if (round > UNPROCESSED_ROUNDS) {
      throw new OperationError(
        `DynamoDB left ${pending.length} key(s) of ${table} unread after ${UNPROCESSED_ROUNDS} retries.`,
      );
    }
    if (round > 0) await clock.sleep(100 * 2 ** round * (0.5 + Math.random() / 2));
    const response = await dynamodb.send(
      new BatchGetItemCommand({
        RequestItems: {
          [table]: {
            Keys: pending,
            ConsistentRead: true,
            ...projectionOf(names),
          },
        },
      }),
    );
    for (const item of response.Responses?.[table] ?? []) found.add(canonicalItem(item));
    pending = response.UnprocessedKeys?.[table]?.Keys ?? [];
  }
  return found;
}

export interface TableMirrorResult extends TableCopyResult {
  /** Items of the target the source no longer has, deleted. */
  deleted: number;
}

/**
 * Brings a table that holds an earlier state of the data (a rollback's previous colour) to the
 * source's: every item the source no longer has is deleted (found by looking each of the
 * target's keys up in the source), then every item of the source is put. Memory holds one page
 * per segment; the gate compares the two tables afterwards.
 */
export async function mirrorTable(
  dynamodb: DynamoDBClient,
  source: string,
  target: string,
  options: { segments: number; clock: Clock },
): Promise<TableMirrorResult> {
  const started = options.clock.now();
  const names = await keyAttributes(dynamodb, target);
  const deleter = new BatchWriter(dynamodb, target, options.clock);
  let deleted = 0;
  await eachSegment(options.segments, async (segment) => {
    for await (const page of scanSegment(dynamodb, target, segment, options.segments, names)) {
      for (let start = 0; start < page.length; start += GET_BATCH) {
        const keys = page.slice(start, start + GET_BATCH);
        const kept = await existingKeys(dynamodb, source, keys, names, options.clock);
        const gone = keys.filter((key) => !kept.has(canonicalItem(key)));
        for (let from = 0; from < gone.length; from += BATCH) {
          await deleter.write(
            gone.slice(from, from + BATCH).map((Key) => ({ DeleteRequest: { Key } })),
          );
        }
        deleted += gone.length;
      }
    }
  });
  const copied = await copyTable(dynamodb, source, target, options);
  return {
    ...copied,
    deleted,
    retries: copied.retries + deleter.retries,
    durationMs: options.clock.now() - started,
  };
}
