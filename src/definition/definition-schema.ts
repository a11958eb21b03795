import path from 'node:path';
import * as z from 'zod/mini';
import { RESERVED_STACK_TAGS } from '../aws/suite-tags.js';
import {
  absent,
  describe,
  expected,
  hint,
  mapping,
  mistake,
  nonEmptyString,
  oneOf,
  optional,
  trueOrFalse,
} from '../core/schema.js';
import { smokeSchema } from '../smoke/checks-schema.js';

/** How an environment is laid out: one stack, or two colours and a pointer. */
export const LAYOUTS = ['plain', 'blue-green'] as const;
export type Layout = (typeof LAYOUTS)[number];

/**
 * `environment.yml` as a person writes it. `definition.ts` turns what this accepts into the
 * definition the actions use; the JSON Schema under `schema/` is generated from it.
 */

const NAME = /^[a-z][a-z0-9-]*[a-z0-9]$|^[a-z]$/;

/** Why a name cannot name an environment, or nothing when it can. */
export function environmentNameProblem(name: string): string | undefined {
  return NAME.test(name) && name.length <= 32
    ? undefined
    : `'${name}' is not a valid environment name: lower-case letters, digits and hyphens, starting with a letter, at most 32 characters (for example ci, staging, production)`;
}

const scalar = [z.string(), z.number(), z.boolean()] as const;

/** NAME: value, as CloudFormation parameters and tags are strings. */
function scalarMap(listsAllowed: boolean) {
  const value = listsAllowed
    ? z.union(
        [...scalar, z.array(z.union([z.string(), z.number()]))],
        expected('a string, number or boolean (or a list of them)'),
      )
    : z.union(scalar, expected('a string, number or boolean'));
  return z.pipe(
    z.record(z.string(), value, expected('a mapping of NAME: value')),
    // CommaDelimitedList and List<...> parameters take comma-joined values.
    z.transform((values) =>
      Object.fromEntries(
        Object.entries(values).map(([name, item]) => [
          name,
          Array.isArray(item) ? item.map(String).join(',') : String(item),
        ]),
      ),
    ),
  );
}

const parameters = () =>
  describe(
    absent(scalarMap(true), {}),
    'Template parameters: NAME: value. A list is passed comma-joined, for CommaDelimitedList and List<…> parameters.',
  );

const tags = () =>
  describe(
    absent(
      scalarMap(false).check((payload) => {
        for (const [name, value] of Object.entries(payload.value)) {
          if (RESERVED_STACK_TAGS.includes(name) || name.startsWith('aws:')) {
            mistake(
              payload.issues,
              name,
              [name],
              `this tag is set by the suite (or reserved by AWS) and cannot be set here; reserved: ${RESERVED_STACK_TAGS.join(', ')}, aws:*`,
            );
          } else if (name.length > 128 || value.length > 256) {
            mistake(
              payload.issues,
              name,
              [name],
              'tag keys are at most 128 characters and values at most 256',
            );
          }
        }
      }),
      {},
    ),
    'Stack tags: NAME: value. The suite sets its own (environment, version, component); those names are reserved.',
  );

/** A path inside the definition's folder, normalised to forward slashes. */
const relativePath = () =>
  z.pipe(
    nonEmptyString(),
    z.pipe(
      z.transform((value: string) =>
        path.posix.normalize(value.trim().replace(/\\/g, '/')).replace(/\/$/, ''),
      ),
      z.string().check(
        z.refine((value) => !path.posix.isAbsolute(value) && !value.startsWith('..'), {
          error: (issue) =>
            `'${String(issue.input)}' must be a path inside the definition's folder`,
        }),
      ),
    ),
  );

const stringList = () => z.array(nonEmptyString(), expected('a list of strings'));

const environmentSettings = mapping({
  parameters: parameters(),
  tags: tags(),
  protected: describe(
    absent(trueOrFalse(), false),
    'Termination protection on, and never recreated: for environments holding real data.',
  ),
  layout: describe(
    optional(oneOf(LAYOUTS)),
    "plain: one stack, ENVIRONMENT-COMPONENT, that deploy creates and updates. blue-green: two colour stacks (…-blue, …-green) and the pointer naming the one that serves users, which only action-migrate changes. Left out, it is what the environment's stacks show, and nothing is created until one exists.",
  ),
});

const RESOURCE_TYPE = /^[A-Za-z0-9]+::[A-Za-z0-9]+::[A-Za-z0-9]+$/;

export const definitionSchema = mapping(
  {
    component: describe(
      nonEmptyString().check(
        z.refine((value) => NAME.test(value.trim()) && value.trim().length <= 64, {
          error: (issue) =>
            `'${String(issue.input).trim()}' is not valid: lower-case letters, digits and hyphens, starting with a letter, at most 64 characters (it becomes part of the stack name)`,
        }),
      ),
      'The component this environment is: the second half of every stack name (ENVIRONMENT-COMPONENT).',
      { pattern: NAME.source, maxLength: 64 },
    ),
    template: describe(
      relativePath(),
      "The CloudFormation template, relative to this file's folder.",
    ),
    parameters: parameters(),
    tags: tags(),
    environments: describe(
      absent(
        z
          .record(
            z.string(),
            absent(environmentSettings, {
              parameters: {},
              tags: {},
              protected: false,
              layout: undefined,
            }),
            expected('a mapping of environment name to settings'),
          )
          .check((payload) => {
            for (const name of Object.keys(payload.value)) {
              const problem = environmentNameProblem(name);
              if (problem) mistake(payload.issues, name, [name], problem);
            }
          })
          .apply((environments) =>
            hint(environments, { propertyNames: { pattern: NAME.source, maxLength: 32 } }),
          ),
        {},
      ),
      'What differs per environment (ci, staging, production, …): parameters, tags, protected, layout.',
    ),
    'stateful-resources': describe(
      absent(
        mapping(
          {
            'logical-ids': absent(stringList(), []),
            'resource-types': absent(
              z.array(
                z.string(expected('a resource type like AWS::S3::Bucket')).check(
                  z.regex(RESOURCE_TYPE, {
                    error: (issue) =>
                      `'${String(issue.input)}' is not a resource type like AWS::S3::Bucket`,
                  }),
                ),
                expected('a list of strings'),
              ),
              [],
            ),
          },
          'a mapping with logical-ids and resource-types',
        ),
        { 'logical-ids': [], 'resource-types': [] },
      ),
      'Resources whose replacement or deletion would lose data, besides the types the suite knows: logical-ids (Parent/Child reaches into a nested stack) and resource-types.',
    ),
    include: describe(
      absent(z.array(relativePath(), expected('a list of strings')), []),
      "Extra files or folders, relative to this file's folder, that go into the package.",
    ),
    smoke: describe(
      optional(smokeSchema),
      'The checks every environment runs when it comes up: a list of checks, or {defaults, checks}. The same form as a checks file (schema/smoke-checks.schema.json).',
    ),
    statistics: describe(
      optional(
        mapping(
          {
            url: z.pipe(
              nonEmptyString(),
              z.transform((value: string) => value.trim()),
            ),
            headers: absent(scalarMap(false), {}),
            ignore: absent(stringList(), []),
          },
          'a mapping with url, headers, ignore',
        ),
      ),
      "The service's statistics endpoint, compared between environments by action-migrate: url ({{ Output }} placeholders), headers, and ignore (paths that differ legitimately).",
    ),
    parity: describe(
      absent(
        mapping(
          {
            'alarm-differences': absent(
              z.array(
                mapping(
                  {
                    alarm: nonEmptyString(),
                    environments: z
                      .array(
                        nonEmptyString()
                          .check((payload) => {
                            const problem = environmentNameProblem(payload.value);
                            if (problem) mistake(payload.issues, payload.value, [], problem);
                          })
                          .apply((name) => hint(name, { pattern: NAME.source, maxLength: 32 })),
                        expected('a list of environment names'),
                      )
                      .check(z.minLength(1, { error: 'name at least one environment' })),
                    reason: nonEmptyString(),
                  },
                  'a mapping with alarm, environments and reason',
                ),
                expected('a list of alarm differences'),
              ),
              [],
            ),
          },
          'a mapping with alarm-differences',
        ),
        { 'alarm-differences': [] },
      ),
      "How environments are meant to differ beyond their parameters, for action-provision's compare: alarm-differences, each an alarm (its name, or its key as the comparison shows it, such as 'AWS/SQS ApproximateAgeOfOldestMessage Maximum on Queue'; * matches any text), the environments in which it is meant to differ (only there, or with another threshold), and the reason, shown in the comparison.",
    ),
    migration: describe(
      absent(
        mapping(
          { 'snapshot-parameters': absent(scalarMap(false), {}) },
          'a mapping with snapshot-parameters',
        ),
        { 'snapshot-parameters': {} },
      ),
      'snapshot-parameters: DB instance logical ID → the template parameter that restores it from a snapshot.',
    ),
  },
  "a mapping with at least 'component' and 'template'",
);

export type DefinitionFile = z.output<typeof definitionSchema>;
