import type { AlarmDifference } from '../definition/definition.js';
import type { EnvironmentState } from './environment-state.js';

/**
 * `same`; `explained`: a difference the definition or the pipeline accounts for; `differs`:
 * one nothing accounts for, which `fail-on-difference` stops on; `note`: said, never counted.
 */
export type Verdict = 'same' | 'explained' | 'differs' | 'note';

export interface ComparisonRow {
  item: string;
  left: string;
  right: string;
  verdict: Verdict;
  why: string;
}

export interface Comparison {
  left: Pick<EnvironmentState, 'environment' | 'stackName' | 'version'>;
  right: Pick<EnvironmentState, 'environment' | 'stackName' | 'version'>;
  stack: ComparisonRow[];
  parameters: ComparisonRow[];
  /** Resources only one environment has. */
  resources: ComparisonRow[];
  /** Resources counted by type on each side. */
  resourceTypes: ComparisonRow[];
  alarms: ComparisonRow[];
  /** One sentence per difference nothing explains. */
  unexplained: string[];
  /**
   * parity.alarm-differences entries whose pattern matches every alarm compared (`*`): allowed,
   * but what they explain is explained without being named, so compare says so.
   */
  sweeping: Array<{ entry: AlarmDifference; explained: number }>;
}

/** What the definition says about the two environments. */
export interface ParityExpectations {
  /** Parameters the definition sets for either environment: they are meant to differ. */
  setPerEnvironment: ReadonlySet<string>;
  /**
   * Parameters the definition gives a value anywhere. One it never names is given by each
   * deploy (its `parameters` input, such as an endpoint): a difference there is the
   * workflow's, said but not counted.
   */
  declared: ReadonlySet<string>;
  /** Parameters the pipeline sets itself (EnvironmentVersion): they follow the version. */
  followVersion: ReadonlySet<string>;
  /** NoEcho parameters: never compared, never shown. */
  hidden: ReadonlySet<string>;
  /** The definition's parity.alarm-differences: alarms meant to differ, and why. */
  alarmDifferences?: readonly AlarmDifference[];
}

/** A name or key pattern where `*` matches any text, the rest literally. */
function patternMatches(pattern: string, text: string): boolean {
  const literal = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${literal.join('.*')}$`, 's').test(text);
}

/**
 * The definition's word for an alarm difference: an entry naming the alarm (by name or key)
 * and one of the two environments compared.
 */
function intendedDifference(
  differences: readonly AlarmDifference[],
  key: string,
  names: string[],
  environments: [string, string],
): AlarmDifference | undefined {
  return differences.find(
    (difference) =>
      difference.environments.some((environment) => environments.includes(environment)) &&
      [key, ...names].some((text) => patternMatches(difference.alarm, text)),
  );
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

const sorted = (keys: Iterable<string>) => [...new Set(keys)].sort();

/**
 * Compares two environments of one component side by side. Versions may differ (a release
 * reaches one environment before the next) and so may what a version changes; parameters may
 * differ where the definition says so. Everything else that differs, and every alarm one has
 * that the other lacks, is unexplained: an environment changed by hand.
 */
export function compareEnvironments(
  left: EnvironmentState,
  right: EnvironmentState,
  expect: ParityExpectations,
): Comparison {
  const [l, r] = [left.environment, right.environment];
  const unexplained: string[] = [];
  const sameVersion = left.version === right.version;
  const sameTemplate = left.templateDigest === right.templateDigest;

  const stack: ComparisonRow[] = [
    {
      item: 'Version',
      left: left.version,
      right: right.version,
      verdict: sameVersion ? 'same' : 'explained',
      why: sameVersion ? '' : 'a release reaches one environment before the next',
    },
    {
      item: 'Template (SHA-256)',
      left: left.templateDigest.slice(0, 12),
      right: right.templateDigest.slice(0, 12),
      verdict: sameTemplate ? 'same' : sameVersion ? 'differs' : 'explained',
      why: sameTemplate
        ? ''
        : sameVersion
          ? 'the same version with another template'
          : 'the versions differ',
    },
    {
      item: 'Drift (last detection)',
      left: left.drift,
      right: right.drift,
      verdict: 'note',
      why: 'drift from its own template, not from the other environment',
    },
  ];
  if (sameVersion && !sameTemplate) {
    unexplained.push(
      `${l} and ${r} are both at ${left.version} but their templates differ: one was deployed from something else`,
    );
  }

  const parameters: ComparisonRow[] = [];
  for (const name of sorted([...Object.keys(left.parameters), ...Object.keys(right.parameters)])) {
    if (expect.hidden.has(name)) continue;
    const [a = '(absent)', b = '(absent)'] = [left.parameters[name], right.parameters[name]];
    if (a === b) continue;
    const followsVersion = expect.followVersion.has(name);
    const set = expect.setPerEnvironment.has(name);
    const byDeploy = !expect.declared.has(name);
    const explained = followsVersion || set || !sameTemplate;
    parameters.push({
      item: name,
      left: a,
      right: b,
      verdict: explained ? 'explained' : byDeploy ? 'note' : 'differs',
      why: followsVersion
        ? 'follows the version'
        : set
          ? 'the definition sets it per environment'
          : !sameTemplate
            ? 'the templates differ'
            : byDeploy
              ? 'given by each deploy, not by the definition'
              : 'the definition does not say it differs',
    });
    if (!explained && !byDeploy) {
      unexplained.push(
        `parameter ${name} is '${a}' in ${l} and '${b}' in ${r}; the definition does not say it differs`,
      );
    }
  }

  const resources: ComparisonRow[] = [];
  const leftTypes = countBy(left.resources, (resource) => resource.type);
  const rightTypes = countBy(right.resources, (resource) => resource.type);
  const leftIds = new Set(left.resources.map((resource) => `${resource.path} (${resource.type})`));
  const rightIds = new Set(
    right.resources.map((resource) => `${resource.path} (${resource.type})`),
  );
  for (const id of sorted([...leftIds, ...rightIds])) {
    if (leftIds.has(id) && rightIds.has(id)) continue;
    const only = leftIds.has(id) ? l : r;
    resources.push({
      item: id,
      left: leftIds.has(id) ? '✓' : '—',
      right: rightIds.has(id) ? '✓' : '—',
      verdict: sameTemplate ? 'differs' : 'explained',
      why: sameTemplate ? `only in ${only}, from the same template` : 'the templates differ',
    });
    if (sameTemplate) unexplained.push(`resource ${id} exists only in ${only}`);
  }
  const resourceTypes: ComparisonRow[] = [];
  for (const type of sorted([...leftTypes.keys(), ...rightTypes.keys()])) {
    const [a, b] = [leftTypes.get(type) ?? 0, rightTypes.get(type) ?? 0];
    resourceTypes.push({
      item: type,
      left: String(a),
      right: String(b),
      verdict: a === b ? 'same' : 'note',
      why: a === b ? '' : 'counted by type',
    });
  }

  const alarms: ComparisonRow[] = [];
  const explainedBy = new Map<AlarmDifference, number>();
  const leftAlarms = new Map(left.alarms.map((alarm) => [alarm.key, alarm]));
  const rightAlarms = new Map(right.alarms.map((alarm) => [alarm.key, alarm]));
  for (const key of sorted([...leftAlarms.keys(), ...rightAlarms.keys()])) {
    const [a, b] = [leftAlarms.get(key), rightAlarms.get(key)];
    const shown = (alarm: typeof a) =>
      alarm
        ? `${alarm.name}: ${alarm.threshold}${alarm.managed ? '' : ' (not in the stack)'}`
        : '—';
    const differs = !a || !b || a.threshold !== b.threshold;
    const intended = differs
      ? intendedDifference(
          expect.alarmDifferences ?? [],
          key,
          [a?.name, b?.name].filter((name): name is string => name !== undefined),
          [l, r],
        )
      : undefined;
    const what = !a
      ? `${r} has it, ${l} lacks it`
      : !b
        ? `${l} has it, ${r} lacks it`
        : differs
          ? 'thresholds differ'
          : '';
    alarms.push({
      item: key,
      left: shown(a),
      right: shown(b),
      verdict: !differs ? 'same' : intended ? 'explained' : 'differs',
      why: intended ? `${what}, as the definition says: ${intended.reason}` : what,
    });
    if (intended) {
      explainedBy.set(intended, (explainedBy.get(intended) ?? 0) + 1);
      continue;
    }
    if (a && b) {
      if (a.threshold !== b.threshold) {
        unexplained.push(`alarm ${key} is ${a.threshold} in ${l} and ${b.threshold} in ${r}`);
      }
    } else if (a) {
      unexplained.push(`${l} has alarm ${a.name} (${key}) that ${r} lacks`);
    } else if (b) {
      unexplained.push(`${r} has alarm ${b.name} (${key}) that ${l} lacks`);
    }
  }
  const side = (state: EnvironmentState) => ({
    environment: state.environment,
    stackName: state.stackName,
    version: state.version,
  });
  // An entry matches every alarm when it matches any text at all, or each alarm compared.
  const everything = [...left.alarms, ...right.alarms];
  const sweeping = [...explainedBy].flatMap(([entry, explained]) =>
    patternMatches(entry.alarm, '') ||
    (everything.length > 1 &&
      everything.every(
        (alarm) =>
          patternMatches(entry.alarm, alarm.key) || patternMatches(entry.alarm, alarm.name),
      ))
      ? [{ entry, explained }]
      : [],
  );
  return {
    left: side(left),
    right: side(right),
    stack,
    parameters,
    resources,
    resourceTypes,
    alarms,
    unexplained,
    sweeping,
  };
}
