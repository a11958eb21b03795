import { describe, expect, test } from '@jest/globals';
import { readJournal, STRATEGIES } from '../../src/migration/journal.js';
import { loadStrategy } from '../../src/migration/strategies.js';
import { journalFor } from '../../src/migration/strategy.js';

const base = {
  schema: 1,
  id: '20261202T010203004Z-abcdef',
  component: 'records',
  environment: 'staging',
  toVersion: '2.0.0',
  status: 'running',
  dataLocation: 'staging-records, untouched',
  attempt: 1,
  startedAt: '2026-12-02T01:02:03.004Z',
  updatedAt: '2026-12-02T01:02:03.004Z',
  runUrl: null,
  steps: [{ name: 'unavailable:source', status: 'done', startedAt: '2026-12-02T01:02:04.000Z' }],
};

describe('the journal read back from the bucket is typed by its strategy', () => {
  test('each strategy gets the stacks it planned', async () => {
    const doubleClone = readJournal({
      ...base,
      strategy: 'double-clone',
      stacks: { source: 'staging-records', temporary: 'staging-records-temporary' },
    });
    expect(doubleClone?.strategy).toBe('double-clone');
    expect(journalFor(doubleClone!, 'double-clone').stacks.temporary).toBe(
      'staging-records-temporary',
    );
    const blueGreen = readJournal({
      ...base,
      strategy: 'blue-green',
      stacks: {
        source: 'staging-records-blue',
        target: 'staging-records-green',
        targetColour: 'green',
        sourceColour: 'blue',
      },
    });
    expect(blueGreen && journalFor(blueGreen, 'blue-green').stacks.sourceColour).toBe('blue');
    expect((await loadStrategy('blue-green')).verifiedStack(blueGreen!)).toBe(
      'staging-records-green',
    );
    const rollback = readJournal({
      ...base,
      strategy: 'rollback',
      stacks: {
        source: 'staging-records-green',
        target: 'staging-records-blue',
        sourceColour: 'green',
        targetColour: 'blue',
        undoes: '20261201T010203004Z-fedcba',
        leaving: '2.0.0',
      },
    });
    expect(rollback && journalFor(rollback, 'rollback').stacks.undoes).toBe(
      '20261201T010203004Z-fedcba',
    );
    // What a rollback vouches for is the colour it returned users to.
    expect((await loadStrategy('rollback')).verifiedStack(rollback!)).toBe('staging-records-blue');
  });

  test.each([
    [
      'a double-clone without its temporary stack',
      { strategy: 'double-clone', stacks: { source: 'x' } },
    ],
    [
      'a blue-green with a colour that is not one',
      { strategy: 'blue-green', stacks: { source: '', target: 'x-green', targetColour: 'purple' } },
    ],
    [
      'a rollback that does not say which migration it undoes',
      {
        strategy: 'rollback',
        stacks: {
          source: 'x-green',
          target: 'x-blue',
          sourceColour: 'green',
          targetColour: 'blue',
          leaving: '2.0.0',
        },
      },
    ],
    ['an unknown strategy', { strategy: 'teleport', stacks: { source: 'x' } }],
    ['stacks that are not a mapping', { strategy: 'update', stacks: 'x' }],
    [
      'a step with no status',
      { strategy: 'update', stacks: { source: 'x' }, steps: [{ name: 'a' }] },
    ],
    ['an unknown status', { strategy: 'update', stacks: { source: 'x' }, status: 'paused' }],
    [
      'a step whose title is not text',
      {
        strategy: 'update',
        stacks: { source: 'x' },
        steps: [{ name: 'a', title: 3, status: 'done', startedAt: '' }],
      },
    ],
    [
      'a step whose refusal is not a yes or no',
      {
        strategy: 'update',
        stacks: { source: 'x' },
        steps: [{ name: 'a', status: 'failed', refused: 'yes', startedAt: '' }],
      },
    ],
  ])('%s is not a journal (a re-run is refused, never guessed)', (_name, fields) => {
    expect(readJournal({ ...base, ...fields })).toBeUndefined();
  });

  test('every strategy is registered under its own name, and reads only its own journal', async () => {
    for (const name of STRATEGIES) expect((await loadStrategy(name)).name).toBe(name);
    const update = readJournal({ ...base, strategy: 'update', stacks: { source: 'x' } });
    expect(() => journalFor(update!, 'double-clone')).toThrow(
      'The double-clone strategy was given the journal of migration 20261202T010203004Z-abcdef, whose strategy is update.',
    );
  });
});
