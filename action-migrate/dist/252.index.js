export const id = 252;
export const ids = [252];
export const modules = {

/***/ 1252:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   COLOURS: () => (/* reexport safe */ _journal_js__WEBPACK_IMPORTED_MODULE_6__.O5),
/* harmony export */   blueGreenStrategy: () => (/* binding */ blueGreenStrategy),
/* harmony export */   colourStackName: () => (/* reexport safe */ _colours_js__WEBPACK_IMPORTED_MODULE_4__.KC),
/* harmony export */   otherColour: () => (/* reexport safe */ _colours_js__WEBPACK_IMPORTED_MODULE_4__.RQ),
/* harmony export */   planBlueGreen: () => (/* binding */ planBlueGreen),
/* harmony export */   pointUsersBack: () => (/* binding */ pointUsersBack)
/* harmony export */ });
/* harmony import */ var _aws_sdk_client_ssm__WEBPACK_IMPORTED_MODULE_9__ = __webpack_require__(4736);
/* harmony import */ var _core_errors_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(4296);
/* harmony import */ var _aws_stack_lookup_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(9980);
/* harmony import */ var _provisioning_delete_stack_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(3543);
/* harmony import */ var _provisioning_environment_shape_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(3228);
/* harmony import */ var _colours_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(9933);
/* harmony import */ var _dns_record_js__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(4053);
/* harmony import */ var _journal_js__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(327);
/* harmony import */ var _strategy_js__WEBPACK_IMPORTED_MODULE_10__ = __webpack_require__(1475);
/* harmony import */ var _data_copy_js__WEBPACK_IMPORTED_MODULE_7__ = __webpack_require__(2736);
/* harmony import */ var _stack_steps_js__WEBPACK_IMPORTED_MODULE_8__ = __webpack_require__(8094);













/**
 * Works out the colours from the pointer and the stacks, refusing every state in which going
 * on could be wrong: a plain stack without colours, colours without a pointer, a pointer to a
 * missing stack, a previous colour still inside its rollback window.
 */
async function planBlueGreen(context, stackName, pointerName, keepPreviousHours, owner) {
    const { pointer, blue, green } = await (0,_colours_js__WEBPACK_IMPORTED_MODULE_4__/* .activeColour */ .HA)(context.ssm(), context.cloudFormation, stackName, pointerName);
    if (pointer.colour === undefined) {
        const plain = await (0,_aws_stack_lookup_js__WEBPACK_IMPORTED_MODULE_1__/* .findStack */ .e)(context.cloudFormation, stackName);
        // A plan of the environment made before it had colours holds nothing: it goes, and the
        // first colour is created as it would have been.
        if ((0,_provisioning_environment_shape_js__WEBPACK_IMPORTED_MODULE_3__/* .isPlanPlaceholder */ .Zd)(plain, owner.environment, owner.component)) {
            context.logger.warning(`${stackName} holds only a plan under review (REVIEW_IN_PROGRESS, no resources), made before ${owner.environment} had colours; deleting it and creating ${stackName}-blue.`, { title: 'Plan placeholder removed' });
            await (0,_provisioning_delete_stack_js__WEBPACK_IMPORTED_MODULE_2__/* .deleteStack */ .w)(context, plain?.StackId ?? stackName);
            return { active: undefined, target: 'blue', retire: undefined };
        }
        if (plain) {
            throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .ConfigurationError */ .j1(`'blue-green' needs the stacks ${stackName}-blue / -green and the pointer ${pointerName}, but ${stackName} is a stack without colours. Migrate it with strategy double-clone or update, or create the colours: a blue-green run on an environment with no stack creates ${stackName}-blue and the pointer.`, "input 'strategy'");
        }
        return { active: undefined, target: 'blue', retire: undefined };
    }
    const active = pointer.colour;
    const target = (0,_colours_js__WEBPACK_IMPORTED_MODULE_4__/* .otherColour */ .RQ)(active);
    const previous = active === 'blue' ? green : blue;
    let retire;
    if (previous) {
        const keptUntil = new Date((pointer.since?.getTime() ?? 0) + keepPreviousHours * 3_600_000);
        if (keptUntil.getTime() > context.clock.now()) {
            throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .RefusalError */ .XQ(`${previous.StackName} is the previous colour, kept for rollback until ${keptUntil.toISOString()} (keep-previous-hours: ${keepPreviousHours}).`, 'Run again after that, or set keep-previous-hours lower to retire it now.');
        }
        retire = previous.StackName;
    }
    return { active, target, retire };
}
/**
 * Points the pointer (deleted when there was no colour before) and the DNS record back at
 * `stack`, each only if the run had switched it. Returns what failed, so whoever undoes the run
 * still serves users from `stack` and reports the rest.
 */
async function pointUsersBack(run, colour, stack) {
    const problems = [];
    const { pointerParameter, dnsRecord: record } = run.request;
    if ((0,_journal_js__WEBPACK_IMPORTED_MODULE_6__/* .hasStarted */ .gd)(run.journal, 'switch-pointer')) {
        await (colour
            ? (0,_colours_js__WEBPACK_IMPORTED_MODULE_4__/* .writePointer */ .NS)(run.context.ssm(), pointerParameter, colour)
            : run.context.ssm().send(new _aws_sdk_client_ssm__WEBPACK_IMPORTED_MODULE_9__/* .DeleteParameterCommand */ .Obs({ Name: pointerParameter }))).catch((error) => problems.push(`switching the pointer back failed: ${(0,_core_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .errorMessage */ .gJ)(error)}`));
    }
    if (record && stack && (0,_journal_js__WEBPACK_IMPORTED_MODULE_6__/* .hasStarted */ .gd)(run.journal, 'switch-dns')) {
        try {
            const outputs = (0,_aws_stack_lookup_js__WEBPACK_IMPORTED_MODULE_1__/* .stackOutputs */ .X)(await (0,_aws_stack_lookup_js__WEBPACK_IMPORTED_MODULE_1__/* .findStack */ .e)(run.context.cloudFormation, stack));
            await (0,_dns_record_js__WEBPACK_IMPORTED_MODULE_5__/* .pointRecord */ .Y)(run.context.route53(), record, outputs, stack, run.context.logger);
        }
        catch (error) {
            problems.push(`pointing ${record.name} back at ${stack} failed: ${(0,_core_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .errorMessage */ .gJ)(error)}`);
        }
    }
    return problems;
}
/** Undoes a blue/green run before users were moved: the active colour serves them again. */
async function rollBackBlueGreen(run, cause) {
    const { source, target, sourceColour: from } = (0,_strategy_js__WEBPACK_IMPORTED_MODULE_10__/* .journalFor */ .f)(run.journal, 'blue-green').stacks;
    if ((0,_journal_js__WEBPACK_IMPORTED_MODULE_6__/* .isDone */ .$L)(run.journal, 'available:target')) {
        throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .RefusalError */ .XQ(`Migration ${run.journal.id} already serves users from ${target}; it cannot be rolled back.`, `Migrate back to the previous version instead (${source} is kept until keep-previous-hours pass).`);
    }
    await run.context.logger.group(`Roll back: ${source || 'nothing'} keeps the data`, async () => {
        const problems = await pointUsersBack(run, from, source);
        // Users first: the active colour serves again before the new one is deleted, so a
        // rollback that runs out of time leaves a stack to delete, never users without service.
        if (source) {
            await (0,_stack_steps_js__WEBPACK_IMPORTED_MODULE_8__/* .restoreStack */ .DM)(run, ['source'], source).catch((error) => problems.push(`restoring ${source}'s availability failed: ${(0,_core_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .errorMessage */ .gJ)(error)}`));
        }
        if ((0,_journal_js__WEBPACK_IMPORTED_MODULE_6__/* .hasStarted */ .gd)(run.journal, 'create:target')) {
            await (0,_stack_steps_js__WEBPACK_IMPORTED_MODULE_8__/* .deleteOwnStack */ .Sx)(run, target).catch((error) => problems.push(`deleting ${target} failed: ${(0,_core_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .errorMessage */ .gJ)(error)}`));
        }
        const location = source
            ? `${source}, untouched (the active colour)`
            : 'nowhere: the environment had no data yet';
        if (problems.length > 0) {
            await run.setStatus('failed', location, `${(0,_core_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .errorMessage */ .gJ)(cause)} Rolling back: ${problems.join('; ')}`);
            throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .RefusalError */ .XQ(`Rolling back left work undone: ${problems.join('; ')}.`, 'Run again with recover: rollback to finish the rollback.');
        }
        await run.setStatus('rolled-back', location, cause);
    });
}
/**
 * Blue/green: the new version goes into the idle colour, the data is cloned into it once and
 * compared, then the pointer moves. The previous colour stays, frozen, for rollback until
 * keep-previous-hours pass; a later run retires it.
 */
async function blueGreen(run) {
    const stacks = (0,_strategy_js__WEBPACK_IMPORTED_MODULE_10__/* .journalFor */ .f)(run.journal, 'blue-green').stacks;
    const { source, target, retire } = stacks;
    try {
        if (retire) {
            await run.step('retire-previous', `Retire the previous colour ${retire}`, () => (0,_stack_steps_js__WEBPACK_IMPORTED_MODULE_8__/* .deleteVerifiedStack */ .om)(run, retire, 'it is the previous colour, past its rollback window'));
        }
        if (source) {
            await (0,_stack_steps_js__WEBPACK_IMPORTED_MODULE_8__/* .makeStackUnavailable */ .F8)(run, 'source', source);
        }
        const snapshots = source ? await (0,_stack_steps_js__WEBPACK_IMPORTED_MODULE_8__/* .snapshotStep */ .t7)(run, 'source', source) : [];
        await (0,_stack_steps_js__WEBPACK_IMPORTED_MODULE_8__/* .createStep */ .Bx)(run, 'target', target, snapshots, run.request.protect);
        if (source) {
            await (0,_stack_steps_js__WEBPACK_IMPORTED_MODULE_8__/* .makeStackUnavailable */ .F8)(run, 'target', target);
            await (0,_stack_steps_js__WEBPACK_IMPORTED_MODULE_8__/* .copyStep */ .Kf)(run, 'source-to-target', source, target);
            await (0,_stack_steps_js__WEBPACK_IMPORTED_MODULE_8__/* .gateStep */ .sf)(run, 'source-to-target', source, target, snapshots);
        }
        await run.step('switch-pointer', `Point ${run.request.pointerParameter} at ${stacks.targetColour}`, () => (0,_colours_js__WEBPACK_IMPORTED_MODULE_4__/* .writePointer */ .NS)(run.context.ssm(), run.request.pointerParameter, stacks.targetColour));
        const record = run.request.dnsRecord;
        if (record) {
            await run.step('switch-dns', `Point ${record.name} at ${target}`, async () => (0,_dns_record_js__WEBPACK_IMPORTED_MODULE_5__/* .pointRecord */ .Y)(run.context.route53(), record, (0,_aws_stack_lookup_js__WEBPACK_IMPORTED_MODULE_1__/* .stackOutputs */ .X)(await (0,_aws_stack_lookup_js__WEBPACK_IMPORTED_MODULE_1__/* .findStack */ .e)(run.context.cloudFormation, target)), target, run.context.logger));
        }
        await run.locate(source
            ? `${target} (active, verified against ${source}); ${source} keeps the pre-migration copy`
            : `${target} (active; it started empty)`);
        if (source)
            await (0,_stack_steps_js__WEBPACK_IMPORTED_MODULE_8__/* .restoreStep */ .T2)(run, 'target', target);
    }
    catch (error) {
        return run.failAfter(error, () => rollBackBlueGreen(run, error));
    }
    await run.complete(source
        ? `${target} (active, verified against ${source}); ${source} keeps the pre-migration copy, out of service, until keep-previous-hours pass`
        : `${target} (active)`);
    return run.outcome(target);
}
/** blue-green, registered by name: the new version in the idle colour, then the pointer moves. */
const blueGreenStrategy = {
    name: 'blue-green',
    async plan(context, request, stackName) {
        const plan = await planBlueGreen(context, stackName, request.pointerParameter, request.keepPreviousHours, request);
        const source = plan.active ? (0,_colours_js__WEBPACK_IMPORTED_MODULE_4__/* .colourStackName */ .KC)(stackName, plan.active) : '';
        if (plan.active)
            await (0,_data_copy_js__WEBPACK_IMPORTED_MODULE_7__/* .checkClonable */ .d8)(context, request, source);
        return {
            strategy: 'blue-green',
            stacks: {
                source,
                target: (0,_colours_js__WEBPACK_IMPORTED_MODULE_4__/* .colourStackName */ .KC)(stackName, plan.target),
                targetColour: plan.target,
                ...(plan.active ? { sourceColour: plan.active } : {}),
                ...(plan.retire ? { retire: plan.retire } : {}),
            },
        };
    },
    async checkResumable(context, request, journal) {
        const { sourceColour, targetColour } = (0,_strategy_js__WEBPACK_IMPORTED_MODULE_10__/* .journalFor */ .f)(journal, 'blue-green').stacks;
        if (!sourceColour)
            return;
        await (0,_colours_js__WEBPACK_IMPORTED_MODULE_4__/* .checkPointerAsJournalled */ .wP)(context.ssm(), request.pointerParameter, journal, {
            from: sourceColour,
            to: targetColour,
        });
    },
    run: blueGreen,
    rollBack: rollBackBlueGreen,
    verifiedStack: (journal) => (0,_strategy_js__WEBPACK_IMPORTED_MODULE_10__/* .journalFor */ .f)(journal, 'blue-green').stacks.target,
};


/***/ }),

/***/ 4053:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Y: () => (/* binding */ pointRecord)
/* harmony export */ });
/* unused harmony export endpointHost */
/* harmony import */ var _aws_sdk_client_route_53__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(8621);
/* harmony import */ var _core_errors_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(4296);


/** The host a CNAME can point at: the output itself, or the host of a URL output. */
function endpointHost(value) {
    const host = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? new URL(value).hostname : value;
    return host.replace(/\.$/, '');
}
/** Points the record at a colour's endpoint output; UPSERT, so running it twice is harmless. */
async function pointRecord(route53, record, outputs, stackName, logger) {
    const value = outputs[record.output];
    if (!value) {
        throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .RefusalError */ .XQ(`${stackName} has no output ${record.output} to point ${record.name} at.`, `Check route53-endpoint-output; outputs that exist: ${Object.keys(outputs).sort().join(', ') || 'none'}.`);
    }
    const host = endpointHost(value);
    await route53.send(new _aws_sdk_client_route_53__WEBPACK_IMPORTED_MODULE_1__/* .ChangeResourceRecordSetsCommand */ .yzn({
        HostedZoneId: record.zoneId,
        ChangeBatch: {
            Comment: `environment-pipeline-actions: ${record.name} → ${stackName}`,
            Changes: [
                {
                    Action: 'UPSERT',
                    ResourceRecordSet: {
                        Name: record.name,
                        Type: 'CNAME',
                        TTL: record.ttl,
                        ResourceRecords: [{ Value: host }],
                    },
                },
            ],
        },
    }));
    logger.info(`${record.name} CNAME → ${host} (${stackName}'s ${record.output}), TTL ${record.ttl} s.`);
    return host;
}


/***/ })

};
