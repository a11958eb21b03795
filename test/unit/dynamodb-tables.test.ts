import { beforeEach, describe, expect, test } from '@jest/globals';
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ScanCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import {
  canonicalItem,
  copyTable,
  mirrorTable,
  tableStatistics,
} from '../../src/migration/dynamodb-tables.js';
import { FakeClock } from '../support/fake-clock.js';

// moto never throttles a BatchWriteItem, so what DynamoDB does under load (UnprocessedItems,
// BatchWriteItem in the API reference) is played with aws-sdk-client-mock in its shapes.
const dynamodb = mockClient(DynamoDBClient);
const client = () => new DynamoDBClient({ region: 'us-east-1' });

beforeEach(() => {
  dynamodb.reset();
});

const item = (id: number): Record<string, AttributeValue> => ({
  id: { S: `order-${id}` },
  tags: { SS: ['b', 'a'] },
});

describe('items in one canonical form', () => {
  test('attribute order, set order and nested map order do not change an item', () => {
    const one = {
      id: { S: '1' },
      tags: { SS: ['web', 'new'] },
      detail: { M: { b: { N: '2' }, a: { NS: ['3', '1'] } } },
      receipt: { B: Buffer.from('r') },
    };
    const same = {
      receipt: { B: Uint8Array.from(Buffer.from('r')) },
      detail: { M: { a: { NS: ['1', '3'] }, b: { N: '2' } } },
      tags: { SS: ['new', 'web'] },
      id: { S: '1' },
    };
    expect(canonicalItem(same)).toBe(canonicalItem(one));
    // A list keeps its order: it is data.
    expect(canonicalItem({ l: { L: [{ S: 'a' }, { S: 'b' }] } })).not.toBe(
      canonicalItem({ l: { L: [{ S: 'b' }, { S: 'a' }] } }),
    );
  });

  test('a value of a type it cannot read is refused, never compared as equal', () => {
    expect(() => canonicalItem({ id: { $unknown: ['X', 1] } })).toThrow(
      /an attribute value of a type this suite cannot read/,
    );
  });

  test('the digest is the same whichever segment returns which items', async () => {
    const items = Array.from({ length: 6 }, (_, index) => item(index));
    dynamodb
      .on(ScanCommand, { Segment: 0 })
      .resolves({ Items: items.slice(0, 4) })
      .on(ScanCommand, { Segment: 1 })
      .resolves({ Items: items.slice(4) });
    const two = await tableStatistics(client(), 'orders', 2);
    dynamodb.reset();
    dynamodb
      .on(ScanCommand, { Segment: 0 })
      .resolves({ Items: [...items].reverse(), LastEvaluatedKey: undefined });
    const one = await tableStatistics(client(), 'orders', 1);
    expect(two).toEqual(one);
    expect(one.items).toBe(6);
    // Strongly consistent: a gate right after a copy must see every write of the copy.
    expect(dynamodb.commandCalls(ScanCommand)[0]!.args[0].input.ConsistentRead).toBe(true);
  });
});

describe('copyTable', () => {
  test('items DynamoDB leaves unprocessed are written again with a growing pause', async () => {
    const items = Array.from({ length: 30 }, (_, index) => item(index));
    dynamodb.on(ScanCommand).resolves({ Items: items });
    const unprocessed = { orders_copy: [{ PutRequest: { Item: items[3]! } }] };
    dynamodb
      .on(BatchWriteItemCommand)
      .resolvesOnce({ UnprocessedItems: unprocessed })
      .resolves({ UnprocessedItems: {} });
    const clock = new FakeClock();
    const result = await copyTable(client(), 'orders', 'orders_copy', { segments: 1, clock });
    expect(result).toMatchObject({ items: 30, retries: 1 });
    const batches = dynamodb
      .commandCalls(BatchWriteItemCommand)
      .map((call) => call.args[0].input.RequestItems!['orders_copy']!.length);
    // The first 25, the one of them left unprocessed, then the last 5.
    expect(batches).toEqual([25, 1, 5]);
    expect(clock.sleeps).toHaveLength(1);
  });

  test('items that stay unprocessed fail the copy after a bounded number of rounds', async () => {
    dynamodb.on(ScanCommand).resolves({ Items: [item(1)] });
    dynamodb
      .on(BatchWriteItemCommand)
      .resolves({ UnprocessedItems: { orders_copy: [{ PutRequest: { Item: item(1) } }] } });
    await expect(
      copyTable(client(), 'orders', 'orders_copy', { segments: 1, clock: new FakeClock() }),
    ).rejects.toThrow(/DynamoDB left 1 item\(s\) unprocessed in orders_copy after 8 retries/);
    expect(dynamodb.commandCalls(BatchWriteItemCommand)).toHaveLength(9);
  });

  test("a mirror deletes only the target's items the source lacks, asking again for keys left unread", async () => {
    // The previous colour's table holds orders 0-3; the source still has 0, 2 and 3.
    const keys = [0, 1, 2, 3].map((id) => ({ id: { S: `order-${id}` } }));
    dynamodb
      .on(DescribeTableCommand)
      .resolves({ Table: { KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }] } });
    dynamodb.on(ScanCommand, { TableName: 'orders_previous' }).resolves({ Items: keys });
    dynamodb.on(ScanCommand, { TableName: 'orders' }).resolves({ Items: [0, 2, 3].map(item) });
    // BatchGetItem under load answers part and leaves the rest in UnprocessedKeys.
    dynamodb
      .on(BatchGetItemCommand)
      .resolvesOnce({
        Responses: { orders: [keys[0]!] },
        UnprocessedKeys: { orders: { Keys: [keys[1]!, keys[2]!, keys[3]!] } },
      })
      .resolves({ Responses: { orders: [keys[2]!, keys[3]!] }, UnprocessedKeys: {} });
    dynamodb.on(BatchWriteItemCommand).resolves({ UnprocessedItems: {} });
    const clock = new FakeClock();
    const result = await mirrorTable(client(), 'orders', 'orders_previous', { segments: 1, clock });
    expect(result).toMatchObject({ deleted: 1, items: 3 });
    const gets = dynamodb.commandCalls(BatchGetItemCommand).map((call) => call.args[0].input);
    expect(gets[0]!.RequestItems!['orders']).toMatchObject({
      ConsistentRead: true,
      ProjectionExpression: '#k0',
      ExpressionAttributeNames: { '#k0': 'id' },
    });
    expect(gets[1]!.RequestItems!['orders']!.Keys).toHaveLength(3);
    const writes = dynamodb
      .commandCalls(BatchWriteItemCommand)
      .map((call) => call.args[0].input.RequestItems!['orders_previous']);
    expect(writes[0]).toEqual([{ DeleteRequest: { Key: keys[1] } }]);
    expect(writes[1]).toHaveLength(3);
    expect(clock.sleeps).toHaveLength(1);
  });
});
