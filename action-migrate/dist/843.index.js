export const id = 843;
export const ids = [843];
export const modules = {

/***/ 6843:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   doubleCloneStrategy: () => (/* binding */ doubleCloneStrategy),
/* harmony export */   temporaryStackName: () => (/* binding */ temporaryStackName)
/* harmony export */ });
/* harmony import */ var _aws_stack_lookup_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(9980);
/* harmony import */ var _core_errors_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(4296);
/* harmony import */ var _data_copy_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(2736);
/* harmony import */ var _journal_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(327);
/* harmony import */ var _strategy_js__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(1475);
/* harmony import */ var _stack_steps_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(8094);






/** Steps of the second half, redone from the start if it fails (the temporary holds the data). */
const SECOND_HALF = /^(delete:source|(plan-unavailable|unavailable):(temporary-again|final)|snapshot:temporary|create:final|copy:temporary-to-final|compare:temporary-to-final)$/;
function temporaryStackName(stackName) {
    return `${stackName}-temporary`;
}
/** Undoes the first half: the original still holds the data and serves users again. */
async function rollBackDoubleClone(run, cause) {
    const { source, temporary } = (0,_strategy_js__WEBPACK_IMPORTED_MODULE_5__/* .journalFor */ .f)(run.journal, 'double-clone').stacks;
    const { logger } = run.context;
    if ((0,_journal_js__WEBPACK_IMPORTED_MODULE_3__/* .hasStarted */ .gd)(run.journal, 'delete:source')) {
        throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .RefusalError */ .XQ(`Migration ${run.journal.id} is past its point of no return: ${source} was deleted after its data was verified in ${temporary}, so it cannot be rolled back.`, 'Run again with recover: resume to finish it.');
    }
    await logger.group(`Roll back: ${source} keeps the data`, async () => {
        const problems = [];
        // Users first: the original serves again before the temporary copy is cleaned up, so a
        // rollback that runs out of time leaves a stack to delete, never users without service.
        try {
            await (0,_stack_steps_js__WEBPACK_IMPORTED_MODULE_4__/* .restoreStack */ .DM)(run, ['source'], source);
        }
        catch (error) {
            problems.push(`restoring ${source}'s availability failed: ${(0,_core_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .errorMessage */ .gJ)(error)}`);
        }
        if ((0,_journal_js__WEBPACK_IMPORTED_MODULE_3__/* .hasStarted */ .gd)(run.journal, 'create:temporary')) {
            try {
                await (0,_stack_steps_js__WEBPACK_IMPORTED_MODULE_4__/* .deleteOwnStack */ .Sx)(run, temporary);
            }
            catch (error) {
                problems.push(`deleting ${temporary} failed: ${(0,_core_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .errorMessage */ .gJ)(error)}`);
            }
        }
        if (problems.length > 0) {
            await run.setStatus('failed', `${source}, untouched (the original)`, `${(0,_core_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .errorMessage */ .gJ)(cause)} Rolling back: ${problems.join('; ')}`);
            throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .RefusalError */ .XQ(`Rolling back left work undone: ${problems.join('; ')}.`, 'Run again with recover: rollback to finish the rollback.');
        }
        await run.setStatus('rolled-back', `${source}, untouched (the original)`, cause);
    });
}
/**
 * The seeds' migration, for stacks that must keep their name: freeze the original, clone it
 * into a temporary stack of the new version, compare, delete the original, clone the temporary
 * back under the original name, compare, delete the temporary. Nothing is deleted before a
 * copy of its data has passed the statistics gate, and the stack holding the only verified
 * copy is never deleted.
 */
async function doubleClone(run) {
    const { source, temporary } = (0,_strategy_js__WEBPACK_IMPORTED_MODULE_5__/* .journalFor */ .f)(run.journal, 'double-clone').stacks;
    const { context, request } = run;
    try {
        await (0,_stack_steps_js__WEBPACK_IMPORTED_MODULE_4__/* .makeStackUnavailable */ .F8)(run, 'source', source);
        const snapshots = await (0,_stack_steps_js__WEBPACK_IMPORTED_MODULE_4__/* .snapshotStep */ .t7)(run, 'source', source);
        await (0,_stack_steps_js__WEBPACK_IMPORTED_MODULE_4__/* .createStep */ .Bx)(run, 'temporary', temporary, snapshots, false);
        await (0,_stack_steps_js__WEBPACK_IMPORTED_MODULE_4__/* .makeStackUnavailable */ .F8)(run, 'temporary', temporary);
        await (0,_stack_steps_js__WEBPACK_IMPORTED_MODULE_4__/* .copyStep */ .Kf)(run, 'source-to-temporary', source, temporary);
        await (0,_stack_steps_js__WEBPACK_IMPORTED_MODULE_4__/* .gateStep */ .sf)(run, 'source-to-temporary', source, temporary, snapshots);
        await run.locate(`${source} (the original) and ${temporary} (a verified copy)`);
    }
    catch (error) {
        if (!(0,_journal_js__WEBPACK_IMPORTED_MODULE_3__/* .hasStarted */ .gd)(run.journal, 'delete:source')) {
            return run.failAfter(error, () => rollBackDoubleClone(run, error));
        }
        throw error;
    }
    // The point of no return: from here on the temporary holds the only verified copy until
    // the new original has passed the gate against it.
    try {
        await (0,_stack_steps_js__WEBPACK_IMPORTED_MODULE_4__/* .deleteStep */ .CI)(run, 'source', source);
        await run.locate(`${temporary} only (verified against ${source} before it was deleted)`);
        await (0,_stack_steps_js__WEBPACK_IMPORTED_MODULE_4__/* .makeStackUnavailable */ .F8)(run, 'temporary-again', temporary);
        const snapshots = await (0,_stack_steps_js__WEBPACK_IMPORTED_MODULE_4__/* .snapshotStep */ .t7)(run, 'temporary', temporary);
        await (0,_stack_steps_js__WEBPACK_IMPORTED_MODULE_4__/* .createStep */ .Bx)(run, 'final', source, snapshots, request.protect);
        await (0,_stack_steps_js__WEBPACK_IMPORTED_MODULE_4__/* .makeStackUnavailable */ .F8)(run, 'final', source);
        await (0,_stack_steps_js__WEBPACK_IMPORTED_MODULE_4__/* .copyStep */ .Kf)(run, 'temporary-to-final', temporary, source);
        await (0,_stack_steps_js__WEBPACK_IMPORTED_MODULE_4__/* .gateStep */ .sf)(run, 'temporary-to-final', temporary, source, snapshots);
        await run.locate(`${source} (the new version) and ${temporary} (a verified copy)`);
    }
    catch (error) {
        if (!(0,_journal_js__WEBPACK_IMPORTED_MODULE_3__/* .hasStarted */ .gd)(run.journal, 'delete:temporary')) {
            const keepTemporary = async () => {
                const notes = [];
                // Users first, as in the rollback: the temporary serves again, then the unverified
                // new original goes.
                try {
                    await (0,_stack_steps_js__WEBPACK_IMPORTED_MODULE_4__/* .restoreStack */ .DM)(run, ['temporary', 'temporary-again'], temporary);
                }
                catch (restore) {
                    notes.push(`${temporary}'s availability could not be restored (${(0,_core_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .errorMessage */ .gJ)(restore)})`);
                }
                if ((0,_journal_js__WEBPACK_IMPORTED_MODULE_3__/* .hasStarted */ .gd)(run.journal, 'create:final')) {
                    try {
                        await (0,_stack_steps_js__WEBPACK_IMPORTED_MODULE_4__/* .deleteOwnStack */ .Sx)(run, source);
                    }
                    catch (cleanup) {
                        notes.push(`the unverified ${source} could not be deleted (${(0,_core_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .errorMessage */ .gJ)(cleanup)})`);
                    }
                }
                // A re-run redoes the second half from the start: the temporary was available again,
                // so its data must be frozen, snapshotted and copied afresh.
                run.forget((name) => SECOND_HALF.test(name) && name !== 'delete:source');
                run.journal.attempt += 1;
                await run.setStatus('failed', `${temporary} only (verified against the original, which was deleted)${notes.length ? `; ${notes.join('; ')}` : ''}`, error);
            };
            await run.recover(() => context.logger.group(`Keep ${temporary}: it holds the only verified copy`, keepTemporary));
        }
        else {
            await run.recover(() => run.setStatus('failed', `${source} (the new version, verified against ${temporary})`, error));
        }
        throw run.failure(error);
    }
    try {
        await (0,_stack_steps_js__WEBPACK_IMPORTED_MODULE_4__/* .deleteStep */ .CI)(run, 'temporary', temporary);
        await run.locate(`${source} (the new version, verified)`);
        await (0,_stack_steps_js__WEBPACK_IMPORTED_MODULE_4__/* .restoreStep */ .T2)(run, 'final', source);
    }
    catch (error) {
        await run.recover(async () => {
            // The new original may still be out of service: serve users from it again.
            await (0,_stack_steps_js__WEBPACK_IMPORTED_MODULE_4__/* .restoreStack */ .DM)(run, ['final'], source).catch((restore) => context.logger.warning(`${source}'s availability could not be restored (${(0,_core_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .errorMessage */ .gJ)(restore)}).`));
            await run.setStatus('failed', `${source} (the new version, verified)`, error);
        });
        throw run.failure(error);
    }
    await run.complete(`${source} (the new version, verified)`);
    return run.outcome(source);
}
/** double-clone, registered by name: for stacks that must keep their name. */
const doubleCloneStrategy = {
    name: 'double-clone',
    async plan(context, request, stackName) {
        await (0,_stack_steps_js__WEBPACK_IMPORTED_MODULE_4__/* .requireSourceStack */ .F7)(context, stackName);
        const temporary = temporaryStackName(stackName);
        if (await (0,_aws_stack_lookup_js__WEBPACK_IMPORTED_MODULE_0__/* .findStack */ .e)(context.cloudFormation, temporary)) {
            throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .RefusalError */ .XQ(`${temporary} already exists, and no unfinished migration in the journal accounts for it.`, 'It may hold data: inspect it, and delete it (action-provision cannot, as it is not an environment; use the console or CLI) before migrating.');
        }
        await (0,_data_copy_js__WEBPACK_IMPORTED_MODULE_2__/* .checkClonable */ .d8)(context, request, stackName);
        return { strategy: 'double-clone', stacks: { source: stackName, temporary } };
    },
    async checkResumable(context, _request, journal) {
        if (!(0,_journal_js__WEBPACK_IMPORTED_MODULE_3__/* .hasStarted */ .gd)(journal, 'delete:source'))
            return;
        const { source, temporary } = (0,_strategy_js__WEBPACK_IMPORTED_MODULE_5__/* .journalFor */ .f)(journal, 'double-clone').stacks;
        const temporaryStack = await (0,_aws_stack_lookup_js__WEBPACK_IMPORTED_MODULE_0__/* .findStack */ .e)(context.cloudFormation, temporary);
        const final = await (0,_aws_stack_lookup_js__WEBPACK_IMPORTED_MODULE_0__/* .findStack */ .e)(context.cloudFormation, source);
        if (!temporaryStack && !(0,_journal_js__WEBPACK_IMPORTED_MODULE_3__/* .hasStarted */ .gd)(journal, 'delete:temporary')) {
            throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .RefusalError */ .XQ(`The journal of ${(0,_journal_js__WEBPACK_IMPORTED_MODULE_3__/* .describeMigration */ .K)(journal)} says ${source} was deleted and the data is in ${temporary}, but ${temporary} does not exist${final ? ` (${source} does)` : ''}. It cannot tell what is safe.`, 'Find the data (stacks, buckets, snapshots named after the migration) before doing anything else.');
        }
    },
    run: doubleClone,
    rollBack: rollBackDoubleClone,
    verifiedStack: (journal) => journal.stacks.source,
};


/***/ })

};
