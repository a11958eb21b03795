import { readFileSync } from 'node:fs';
import { describe, expect, test } from '@jest/globals';
import { fixedNames } from '../../src/definition/fixed-names.js';
import { parseTemplateDocument } from '../../src/definition/template.js';
import { NAME_PROPERTIES } from '../../src/definition/name-properties.generated.js';
import { GENERATED, nameProperties, renderNameProperties } from '../../scripts/name-properties.js';

const template = (resources: string) =>
  parseTemplateDocument(`Parameters:\n  App: {Type: String}\nResources:\n${resources}`, 't.yml');

describe('the name properties of each resource type', () => {
  test('come from the resource specification, and the committed table is fresh', () => {
    // Stale: run `npm run name-properties` and commit the table.
    expect(readFileSync(GENERATED, 'utf8')).toBe(renderNameProperties());
    expect(NAME_PROPERTIES['AWS::S3::Bucket']).toEqual(['BucketName']);
    expect(NAME_PROPERTIES['AWS::DynamoDB::Table']).toEqual(['TableName']);
    expect(NAME_PROPERTIES['AWS::Lambda::Function']).toEqual(['FunctionName']);
    expect(NAME_PROPERTIES['AWS::IAM::Role']).toEqual(['RoleName']);
    expect(NAME_PROPERTIES['AWS::SQS::Queue']).toEqual(['QueueName']);
    expect(NAME_PROPERTIES['AWS::Logs::LogGroup']).toEqual(['LogGroupName']);
  });

  test("a property naming another resource is not the resource's name", () => {
    // AWS::EC2::Instance's KeyName names a key pair; its ARN is made of its InstanceId.
    expect(
      nameProperties({
        name: 'Instance',
        primaryIdentifier: ['InstanceId'],
        arnTemplate: 'arn:${Partition}:ec2:${Region}:${Account}:instance/${InstanceId}',
        properties: { KeyName: { type: { type: 'string' }, causesReplacement: 'yes' } },
      }),
    ).toEqual([]);
    expect(NAME_PROPERTIES['AWS::EC2::Instance']).toBeUndefined();
  });
});

describe('names the same in every stack', () => {
  test('text, a parameter and the account are the same in two stacks; the stack name and a resource are not', () => {
    const found = fixedNames(
      template(
        [
          '  Literal: {Type: AWS::S3::Bucket, Properties: {BucketName: acme-data}}',
          "  FromParameter: {Type: AWS::DynamoDB::Table, Properties: {TableName: !Sub '${App}-table'}}",
          "  PerStack: {Type: AWS::SQS::Queue, Properties: {QueueName: !Sub '${AWS::StackName}-q'}}",
          "  FromResource: {Type: AWS::SNS::Topic, Properties: {TopicName: !Join ['-', [!Ref PerStack, t]]}}",
          "  PerAccount: {Type: AWS::Logs::LogGroup, Properties: {LogGroupName: !Sub 'logs-${AWS::AccountId}'}}",
          '  Unnamed: {Type: AWS::S3::Bucket}',
        ].join('\n'),
      ),
      'stack',
    );
    expect(found.map((name) => `${name.resource}.${name.property}`)).toEqual([
      'Literal.BucketName',
      'FromParameter.TableName',
      'PerAccount.LogGroupName',
    ]);
    expect(found[1]!.value).toBe('{"Fn::Sub":"${App}-table"}');
  });

  test('in every environment: only what no environment sets differently', () => {
    const document = template(
      [
        '  Literal: {Type: AWS::S3::Bucket, Properties: {BucketName: acme-data}}',
        "  FromParameter: {Type: AWS::DynamoDB::Table, Properties: {TableName: !Sub '${App}-table'}}",
        "  PerAccount: {Type: AWS::Logs::LogGroup, Properties: {LogGroupName: !Sub 'logs-${AWS::AccountId}'}}",
      ].join('\n'),
    );
    expect(fixedNames(document, 'account').map((name) => name.resource)).toEqual([
      'Literal',
      'PerAccount',
    ]);
    expect(fixedNames(document, 'account', new Set(['App'])).map((name) => name.resource)).toEqual([
      'Literal',
      'FromParameter',
      'PerAccount',
    ]);
  });
});
