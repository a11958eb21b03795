import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import {
  BatchWriteItemCommand,
  DeleteItemCommand,
  DynamoDBClient,
  ScanCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { runAction } from '../../harness/run-action.js';
import { canonicalItem } from '../../src/migration/dynamodb-tables.js';
import { DEFINITION, expectSuccess, MigrationWorld } from '../support/migration-environment.js';

// DynamoDB tables cloned by blue-green and double-clone through the bundled action, on moto:
// every item copied by a parallel scan, and the statistics gate comparing item counts and a
// digest of every item. These environments keep orders in a table (WithTable=true) and no
// database (WithDatabase=false).
let world: MigrationWorld;
// Each test runs the bundled action several times against one moto; on a loaded two-core
// runner that takes minutes, and every run is bounded by runAction's own timeout.
jest.setTimeout(300_000);
let dynamodb: DynamoDBClient;

beforeAll(async () => {
  world = await MigrationWorld.start();
  dynamodb = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: world.moto.endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
});

afterAll(async () => {
  await world?.stop();
});

const parameters = () =>
  `ServiceEndpoint=${world.service.endpoint}\nWithDatabase=false\nWithTable=true`;

async function tableOf(stackName: string): Promise<string> {
  const listed = await world.cloudFormation.send(
    new ListStackResourcesCommand({ StackName: stackName }),
  );
  const table = listed.StackResourceSummaries?.find(
    (resource) => resource.LogicalResourceId === 'Orders',
  );
  if (!table?.PhysicalResourceId) throw new Error(`${stackName} has no Orders table`);
  return table.PhysicalResourceId;
}

/** Orders of every attribute type DynamoDB has, sets and nested values included. */
function order(index: number): Record<string, AttributeValue> {
  return {
    customer: { S: `customer-${index % 40}` },
    order: { N: String(index) },
    total: { N: `${index}.${index % 100}` },
    paid: { BOOL: index % 2 === 0 },
    note: index % 5 === 0 ? { NULL: true } : { S: 'x'.repeat(index % 50) },
    tags: { SS: ['new', `batch-${index % 7}`, 'web'] },
    lines: { L: [{ M: { sku: { S: `sku-${index}` }, quantity: { N: '2' } } }] },
    receipt: { B: Buffer.from(`receipt ${index}`) },
  };
}

async function writeOrders(table: string, count: number): Promise<void> {
  for (let start = 0; start < count; start += 25) {
    const items = Array.from({ length: Math.min(25, count - start) }, (_, offset) =>
      order(start + offset),
    );
    await dynamodb.send(
      new BatchWriteItemCommand({
        RequestItems: { [table]: items.map((Item) => ({ PutRequest: { Item } })) },
      }),
    );
  }
}

/** Every item of a table, each in canonical form, sorted: two tables with equal items are equal. */
async function itemsOf(table: string): Promise<string[]> {
  const items: string[] = [];
  let start: Record<string, AttributeValue> | undefined;
  for (let page = 0; page < 1000; page++) {
    const response = await dynamodb.send(
      new ScanCommand({ TableName: table, ...(start ? { ExclusiveStartKey: start } : {}) }),
    );
    items.push(...(response.Items ?? []).map(canonicalItem));
    start = response.LastEvaluatedKey;
    if (!start) break;
  }
  return items.sort();
}

describe('DynamoDB tables', () => {
  test('blue-green copies every item into the new colour and the gate compares every one', async () => {
    const migrate = (version: string) =>
      world.migrate({
        strategy: 'blue-green',
        environment: 'ddb',
        version,
        parameters: parameters(),
      });
    expectSuccess(await migrate('1.0.0'));
    const blue = await tableOf('ddb-records-blue');
    await writeOrders(blue, 1200);
    const before = await itemsOf(blue);
    expect(before).toHaveLength(1200);

    const run = expectSuccess(await migrate('1.1.0'));
    const green = await tableOf('ddb-records-green');
    expect(green).not.toBe(blue);
    expect(await itemsOf(green)).toEqual(before);
    expect(run.stdout).toMatch(
      /Orders: copied 1200 item\(s\) from table .* segment\(s\) at a time/,
    );
    expect(run.stdout).toMatch(
      /Orders: 1200 item\(s\) in ddb-records-blue, 1200 in ddb-records-green, every item digested: equal/,
    );
    expect(run.summaryText).toMatch(
      /\| Orders \| 1200 → 1200 \| equal \([0-9a-f]{12}\) \| equal \|/,
    );
    const [gate] = JSON.parse(run.outputs['statistics']!) as Array<{
      tables: Array<{ path: string; items: number }>;
    }>;
    expect(gate!.tables).toEqual([expect.objectContaining({ path: 'Orders', items: 1200 })]);
    // The previous colour keeps its copy for rollback.
    expect(await itemsOf(blue)).toEqual(before);
  });

  test('a table that differs after the copy stops the migration: the original keeps serving, the copy is removed', async () => {
    const migrate = (env: Record<string, string> = {}) =>
      world.migrate(
        { strategy: 'blue-green', environment: 'ddbx', version: '1.1.0', parameters: parameters() },
        env,
      );
    expectSuccess(
      await world.migrate({
        strategy: 'blue-green',
        environment: 'ddbx',
        version: '1.0.0',
        parameters: parameters(),
      }),
    );
    const blue = await tableOf('ddbx-records-blue');
    await writeOrders(blue, 300);
    // The first run dies right after the copy; an item then goes missing from the copy.
    await migrate({ ENVIRONMENT_PIPELINE_CRASH_AFTER: 'copy:source-to-target' });
    const green = await tableOf('ddbx-records-green');
    await dynamodb.send(
      new DeleteItemCommand({
        TableName: green,
        Key: { customer: { S: 'customer-7' }, order: { N: '7' } },
      }),
    );
    const run = await migrate();
    expect(run.exitCode).not.toBe(0);
    expect(run.stdout).toMatch(
      /The statistics of ddbx-records-green do not match ddbx-records-blue: table Orders: 300 item\(s\) vs 299/,
    );
    expect(run.outputs['status']).toBe('rolled-back');
    expect(await world.stack('ddbx-records-green')).toBeUndefined();
    expect(await world.pointer('/environments/ddbx/records/active-colour')).toBe('blue');
    expect(await world.instanceStates('ddbx-records-blue')).toEqual(['InService', 'InService']);
    expect(await itemsOf(blue)).toHaveLength(300);
  });

  test('a rollback copies the items written since the switch back, deletions included, once the frozen table is shown unchanged', async () => {
    const migrate = (inputs: Record<string, string>) =>
      world.migrate({ environment: 'ddbrb', parameters: parameters(), ...inputs });
    expectSuccess(await migrate({ strategy: 'blue-green', version: '1.0.0' }));
    const blue = await tableOf('ddbrb-records-blue');
    await writeOrders(blue, 200);
    expectSuccess(await migrate({ strategy: 'blue-green', version: '1.1.0' }));
    const green = await tableOf('ddbrb-records-green');

    // A stray write to the frozen colour: the rollback is refused before anything changes.
    const stray = { customer: { S: 'customer-stray' }, order: { N: '-1' } };
    await dynamodb.send(
      new BatchWriteItemCommand({ RequestItems: { [blue]: [{ PutRequest: { Item: stray } }] } }),
    );
    const refused = await migrate({ strategy: 'rollback', version: '1.0.0' });
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stdout).toMatch(
      /ddbrb-records-blue was written to since users left it: table Orders \(.*\) held 200 item\(s\) and now holds 201/,
    );
    expect(await world.pointer('/environments/ddbrb/records/active-colour')).toBe('green');
    await dynamodb.send(new DeleteItemCommand({ TableName: blue, Key: stray }));

    // Users write to green after the switch: new orders, a changed one, deleted ones.
    await writeOrders(green, 230);
    await dynamodb.send(
      new BatchWriteItemCommand({
        RequestItems: {
          [green]: [
            { PutRequest: { Item: { ...order(3), total: { N: '999.99' } } } },
            ...[10, 11, 12].map((index) => ({
              DeleteRequest: {
                Key: { customer: { S: `customer-${index % 40}` }, order: { N: String(index) } },
              },
            })),
          ],
        },
      }),
    );
    const expected = await itemsOf(green);
    expect(expected).toHaveLength(227);

    const back = expectSuccess(await migrate({ strategy: 'rollback', version: '1.0.0' }));
    expect(back.outputs['stack-name']).toBe('ddbrb-records-blue');
    expect(await world.pointer('/environments/ddbrb/records/active-colour')).toBe('blue');
    expect(await itemsOf(blue)).toEqual(expected);
    expect(back.stdout).toContain(
      'Orders: 200 item(s), as verified when users left ddbrb-records-blue.',
    );
    expect(back.stdout).toMatch(
      /Orders: copied 227 item\(s\) from table .*, 3 item\(s\) deleted first/,
    );
    expect(back.summaryText).toMatch(
      /\| Orders \| 227 → 227 \| equal \([0-9a-f]{12}\) \| equal \|/,
    );
  });

  test('double-clone moves every item to the new version under the same name', async () => {
    expectSuccess(
      await runAction(
        'action-provision',
        {
          operation: 'deploy',
          definition: DEFINITION,
          environment: 'ddbdc',
          version: '1.0.0',
          parameters: parameters(),
        },
        world.env(),
      ),
    );
    await writeOrders(await tableOf('ddbdc-records'), 500);
    const before = await itemsOf(await tableOf('ddbdc-records'));
    const run = expectSuccess(
      await world.migrate({
        strategy: 'double-clone',
        environment: 'ddbdc',
        version: '2.0.0',
        parameters: parameters(),
      }),
    );
    expect(run.outputs['status']).toBe('completed');
    expect(await world.stack('ddbdc-records-temporary')).toBeUndefined();
    expect(await itemsOf(await tableOf('ddbdc-records'))).toEqual(before);
    // Two gates: original → temporary, then temporary → the new original.
    expect(run.summaryText.match(/\| Orders \| 500 → 500 \|/g)).toHaveLength(2);
  });
});
