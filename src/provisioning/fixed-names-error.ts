import { RefusalError } from '../core/errors.js';
import type { SummaryBuilder } from '../core/summary.js';
import { fixedNameRemedy, type FixedName } from '../definition/fixed-names.js';

/** A template whose physical names stop a second stack of it: refused before anything. */
export class FixedNamesError extends RefusalError {
  constructor(
    message: string,
    readonly fixed: FixedName[],
  ) {
    super(
      message,
      `Make each name unique to its stack: ${fixed.map(fixedNameRemedy).join('; ')}.`,
      'A fixed physical name stops a second stack',
    );
  }

  override details(summary: SummaryBuilder): void {
    summary.table(
      ['Resource', 'Type', 'Property', 'Value', 'Instead'],
      this.fixed.map((found) => [
        found.resource,
        found.type,
        found.property,
        found.value,
        `!Sub '\${AWS::StackName}-…', or no ${found.property}`,
      ]),
      { title: 'Names that are the same in every stack' },
    );
  }
}
