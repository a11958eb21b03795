export const id = 623;
export const ids = [623];
export const modules = {

/***/ 623:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   updateStrategy: () => (/* binding */ updateStrategy)
/* harmony export */ });
/* harmony import */ var _core_errors_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(4296);
/* harmony import */ var _provisioning_deploy_stack_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(9620);
/* harmony import */ var _bucket_compare_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(9262);
/* harmony import */ var _data_copy_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(2736);
/* harmony import */ var _migration_context_js__WEBPACK_IMPORTED_MODULE_9__ = __webpack_require__(5446);
/* harmony import */ var _migration_run_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(4832);
/* harmony import */ var _statistics_endpoint_js__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(2215);
/* harmony import */ var _stack_steps_js__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(8094);
/* harmony import */ var _journal_js__WEBPACK_IMPORTED_MODULE_7__ = __webpack_require__(327);
/* harmony import */ var _strategy_js__WEBPACK_IMPORTED_MODULE_8__ = __webpack_require__(1475);











/**
 * In place: the stack is updated through a change set that the stateful-resource guard must
 * pass (no bucket or database removed or replaced), and the data is measured before and
 * after: the update must not have changed it.
 */
async function updateInPlace(run) {
    const { context, request } = run;
    const { source } = (0,_strategy_js__WEBPACK_IMPORTED_MODULE_8__/* .journalFor */ .f)(run.journal, 'update').stacks;
    const fetchNow = (endpoint) => (0,_statistics_endpoint_js__WEBPACK_IMPORTED_MODULE_5__/* .fetchStackStatistics */ .Wv)(endpoint, context.cloudFormation, source, context.logger, context.clock);
    try {
        await (0,_stack_steps_js__WEBPACK_IMPORTED_MODULE_6__/* .makeStackUnavailable */ .F8)(run, 'source', source);
        const before = await run.step('measure:before', `Measure the data of ${source}`, async () => {
            const buckets = [];
            for (const bucket of await (0,_data_copy_js__WEBPACK_IMPORTED_MODULE_3__/* .stackBuckets */ .Mu)(context, source)) {
                buckets.push({
                    path: bucket.path,
                    statistics: await (0,_bucket_compare_js__WEBPACK_IMPORTED_MODULE_2__/* .storageStatistics */ .vD)(context.s3(), bucket.physicalId),
                });
            }
            const measured = { buckets };
            if (request.statistics) {
                const fetched = await fetchNow(request.statistics);
                measured.endpoint = { url: fetched.url, data: fetched.data };
            }
            return measured;
        });
        await run.step('update', `Update ${source} to ${request.version}`, async () => {
            await (0,_provisioning_deploy_stack_js__WEBPACK_IMPORTED_MODULE_1__/* .deployStack */ .gE)(context, (0,_migration_context_js__WEBPACK_IMPORTED_MODULE_9__/* .deployRequestFor */ .IO)(request, source, {
                allowReplacement: request.allowReplacement,
                protect: request.protect,
            }));
        }, false);
        await run.step('compare:before-after', `Compare the data of ${source} before and after`, async () => {
            const gate = {
                from: `${source} before`,
                to: `${source} after`,
                passed: true,
                buckets: [],
                databases: [],
            };
            const after = await (0,_data_copy_js__WEBPACK_IMPORTED_MODULE_3__/* .stackBuckets */ .Mu)(context, source);
            for (const entry of before.buckets) {
                const bucket = after.find((candidate) => candidate.path === entry.path);
                const statistics = bucket
                    ? await (0,_bucket_compare_js__WEBPACK_IMPORTED_MODULE_2__/* .storageStatistics */ .vD)(context.s3(), bucket.physicalId)
                    : { bucket: '(removed)', objects: 0, bytes: 0, digest: '-' };
                const equal = bucket?.physicalId === entry.statistics.bucket &&
                    statistics.digest === entry.statistics.digest &&
                    statistics.objects === entry.statistics.objects;
                gate.buckets.push({
                    path: entry.path,
                    source: entry.statistics,
                    target: statistics,
                    equal,
                    differenceCount: equal
                        ? 0
                        : Math.abs(statistics.objects - entry.statistics.objects) || 1,
                    differences: [],
                    sizeOnly: 0,
                });
            }
            if (request.statistics && before.endpoint) {
                const fetched = await fetchNow(request.statistics);
                const comparison = (0,_statistics_endpoint_js__WEBPACK_IMPORTED_MODULE_5__/* .compareStatistics */ .lV)({ stackName: source, ...before.endpoint }, fetched, request.statistics.ignore);
                gate.endpoint = {
                    equal: comparison.equal,
                    differences: comparison.differences,
                    sourceUrl: before.endpoint.url,
                    targetUrl: fetched.url,
                };
            }
            gate.passed =
                gate.buckets.every((bucket) => bucket.equal) && (gate.endpoint?.equal ?? true);
            run.gates.push(gate);
            if (!gate.passed)
                throw new _migration_run_js__WEBPACK_IMPORTED_MODULE_4__/* .GateFailedError */ .To(gate);
            return gate;
        });
        await (0,_stack_steps_js__WEBPACK_IMPORTED_MODULE_6__/* .restoreStep */ .T2)(run, 'source', source);
    }
    catch (error) {
        return run.failAfter(error, () => context.logger.group(`Serve users from ${source} again`, async () => {
            let note = '';
            await (0,_stack_steps_js__WEBPACK_IMPORTED_MODULE_6__/* .restoreStack */ .DM)(run, ['source'], source).catch((restore) => {
                note = `; restoring its availability failed (${(0,_core_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .errorMessage */ .gJ)(restore)})`;
            });
            await run.setStatus(run.done('update') ? 'failed' : 'rolled-back', `${source}${run.done('update') ? ' (updated; its data did not measure the same, see the comparison)' : ', not updated'}${note}`, error);
        }));
    }
    await run.complete(`${source} (updated in place; data measured the same before and after)`);
    return run.outcome(source);
}
/** update, registered by name: the one stack updated in place, its data measured around it. */
const updateStrategy = {
    name: 'update',
    async plan(context, _request, stackName) {
        await (0,_stack_steps_js__WEBPACK_IMPORTED_MODULE_6__/* .requireSourceStack */ .F7)(context, stackName);
        return { strategy: 'update', stacks: { source: stackName } };
    },
    // Nothing can have moved: the one stack is where the journal says it is.
    checkResumable: async () => { },
    run: updateInPlace,
    async rollBack(run, reason) {
        const { source } = (0,_strategy_js__WEBPACK_IMPORTED_MODULE_8__/* .journalFor */ .f)(run.journal, 'update').stacks;
        if (run.done('update')) {
            throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .RefusalError */ .XQ(`The in-place update of ${(0,_journal_js__WEBPACK_IMPORTED_MODULE_7__/* .describeMigration */ .K)(run.journal)} has been applied; it cannot be rolled back by the migration.`, 'Deploy the previous version with action-provision.');
        }
        await (0,_stack_steps_js__WEBPACK_IMPORTED_MODULE_6__/* .restoreStack */ .DM)(run, ['source'], source);
        await run.setStatus('rolled-back', `${source}, not updated`, reason);
    },
    verifiedStack: (journal) => journal.stacks.source,
};


/***/ })

};
