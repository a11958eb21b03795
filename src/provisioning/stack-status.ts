/** What a deploy should do with a stack, given the state CloudFormation reports for it. */
export type StackDisposition =
  | { kind: 'absent' }
  /** Never finished creating, so it holds nothing: delete it and create afresh. */
  | { kind: 'recreate'; reason: string }
  /** Another operation is running: wait for it, then look again. */
  | { kind: 'wait' }
  | { kind: 'update' }
  /** A human has to act first; the remedy says how. */
  | { kind: 'blocked'; remedy: string };

const EMPTY_STATES: Record<string, string> = {
  ROLLBACK_COMPLETE: 'its creation failed and was rolled back',
  CREATE_FAILED: 'its creation failed',
  REVIEW_IN_PROGRESS: 'it was never created (a change set was made but not executed)',
};

export function dispositionOf(status: string | undefined, stackName: string): StackDisposition {
  if (status === undefined || status === 'DELETE_COMPLETE') return { kind: 'absent' };
  const empty = EMPTY_STATES[status];
  if (empty) return { kind: 'recreate', reason: empty };
  if (status.endsWith('_IN_PROGRESS')) return { kind: 'wait' };
  switch (status) {
    case 'UPDATE_ROLLBACK_FAILED':
      return {
        kind: 'blocked',
        remedy: `Fix the cause shown in the stack events, then run \`aws cloudformation continue-update-rollback --stack-name ${stackName}\` (with --resources-to-skip for resources that cannot roll back) and deploy again.`,
      };
    case 'DELETE_FAILED':
      return {
        kind: 'blocked',
        remedy: `Run the delete operation again (it empties the stack's buckets first), or delete the stack keeping the resources that cannot be deleted (\`aws cloudformation delete-stack --stack-name ${stackName} --retain-resources ...\`), then deploy again.`,
      };
    case 'ROLLBACK_FAILED':
    case 'IMPORT_ROLLBACK_FAILED':
      return {
        kind: 'blocked',
        remedy: `Its rollback failed and resources may remain; inspect them, delete the stack (\`aws cloudformation delete-stack --stack-name ${stackName}\`, retaining what cannot be deleted) and deploy again.`,
      };
    default:
      return { kind: 'update' };
  }
}

export function isInProgress(status: string): boolean {
  return status.endsWith('_IN_PROGRESS') && status !== 'REVIEW_IN_PROGRESS';
}

export const CREATE_SUCCESS = ['CREATE_COMPLETE'];
export const UPDATE_SUCCESS = ['UPDATE_COMPLETE'];
export const DELETE_SUCCESS = ['DELETE_COMPLETE'];
