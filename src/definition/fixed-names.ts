import { isRecord } from '../core/values.js';
import { NAME_PROPERTIES } from './name-properties.generated.js';

/**
 * A physical name the template gives a resource, the same in every stack made from it: a second
 * copy of the stack (a blue/green colour, a double-clone temporary) cannot be created beside
 * the first, since the name is taken; and two environments in one account and region collide.
 */
export interface FixedName {
  resource: string;
  type: string;
  property: string;
  /** The value as the template writes it, in JSON. */
  value: string;
}

/**
 * `stack`: the same in two stacks of one environment (same parameters): anything not made from
 * the stack's name or ID or another resource. `account`: the same in every environment too:
 * made of text and the account's own pseudo parameters only.
 */
export type NameScope = 'stack' | 'account';

const PER_STACK = new Set(['AWS::StackName', 'AWS::StackId']);
const PER_ACCOUNT = new Set(['AWS::Region', 'AWS::AccountId', 'AWS::Partition', 'AWS::URLSuffix']);

/** Every name a value reads: `Ref`, `Fn::GetAtt`'s resource, `Fn::Sub`'s `${Name}`s. */
function references(value: unknown, into: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) references(item, into);
    return into;
  }
  if (!isRecord(value)) return into;
  for (const [key, inner] of Object.entries(value)) {
    if (key === 'Ref' && typeof inner === 'string') into.add(inner);
    else if (key === 'Fn::GetAtt') {
      const target: unknown = Array.isArray(inner) ? (inner as unknown[])[0] : inner;
      if (typeof target === 'string') into.add(target.split('.')[0] ?? target);
    } else if (key === 'Fn::Sub') {
      const text: unknown = Array.isArray(inner) ? (inner as unknown[])[0] : inner;
      if (typeof text === 'string') {
        for (const match of text.matchAll(/\$\{(?!!)([^}]+)\}/g)) {
          into.add((match[1] ?? '').split('.')[0] ?? '');
        }
      }
      if (Array.isArray(inner)) references((inner as unknown[])[1], into);
    } else references(inner, into);
  }
  return into;
}

function isFixed(
  value: unknown,
  scope: NameScope,
  resources: ReadonlySet<string>,
  constant: ReadonlySet<string>,
): boolean {
  if (typeof value === 'string' || typeof value === 'number') return true;
  if (!isRecord(value)) return false;
  const read = references(value);
  if ([...read].some((name) => PER_STACK.has(name) || resources.has(name))) return false;
  if (scope === 'stack') return true;
  return [...read].every((name) => PER_ACCOUNT.has(name) || constant.has(name));
}

/**
 * The resources of a parsed template whose physical name is the same in every such stack.
 * `constant`: parameters with one value in every environment (for the `account` scope).
 */
export function fixedNames(
  document: unknown,
  scope: NameScope,
  constant: ReadonlySet<string> = new Set(),
): FixedName[] {
  const resources = isRecord(document) && isRecord(document.Resources) ? document.Resources : {};
  const logicalIds = new Set(Object.keys(resources));
  const found: FixedName[] = [];
  for (const [resource, raw] of Object.entries(resources)) {
    if (!isRecord(raw) || typeof raw.Type !== 'string' || !isRecord(raw.Properties)) continue;
    for (const property of NAME_PROPERTIES[raw.Type] ?? []) {
      const value = raw.Properties[property];
      if (value === undefined || !isFixed(value, scope, logicalIds, constant)) continue;
      found.push({ resource, type: raw.Type, property, value: JSON.stringify(value) });
    }
  }
  return found;
}

/** What to write instead, for a message. */
export function fixedNameRemedy(found: FixedName): string {
  return `set ${found.resource}.Properties.${found.property} to !Sub '\${AWS::StackName}-…' (unique to each stack), or leave it out and let CloudFormation name it`;
}
