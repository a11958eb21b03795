export const id = 466;
export const ids = [466,252];
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


/***/ }),

/***/ 1466:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   rollbackStrategy: () => (/* binding */ rollbackStrategy)
/* harmony export */ });
/* harmony import */ var _core_errors_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(4296);
/* harmony import */ var _aws_stack_lookup_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(9980);
/* harmony import */ var _aws_suite_tags_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(6627);
/* harmony import */ var _promotion_ledger_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(5268);
/* harmony import */ var _provisioning_stack_resources_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(29);
/* harmony import */ var _bucket_compare_js__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(9262);
/* harmony import */ var _colours_js__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(9933);
/* harmony import */ var _data_copy_js__WEBPACK_IMPORTED_MODULE_7__ = __webpack_require__(2736);
/* harmony import */ var _blue_green_js__WEBPACK_IMPORTED_MODULE_8__ = __webpack_require__(1252);
/* harmony import */ var _dns_record_js__WEBPACK_IMPORTED_MODULE_9__ = __webpack_require__(4053);
/* harmony import */ var _journal_js__WEBPACK_IMPORTED_MODULE_10__ = __webpack_require__(327);
/* harmony import */ var _dynamodb_tables_js__WEBPACK_IMPORTED_MODULE_11__ = __webpack_require__(554);
/* harmony import */ var _stack_steps_js__WEBPACK_IMPORTED_MODULE_12__ = __webpack_require__(8094);
/* harmony import */ var _strategy_js__WEBPACK_IMPORTED_MODULE_14__ = __webpack_require__(1475);
/* harmony import */ var _aws_errors_js__WEBPACK_IMPORTED_MODULE_13__ = __webpack_require__(9378);















const COPY_BACK = 'source-to-target';
function undoneStep(journal, name) {
    const step = (0,_journal_js__WEBPACK_IMPORTED_MODULE_10__/* .stepOf */ .cg)(journal, name);
    return step?.status === 'done' ? step.data : undefined;
}
function seeded(name, title, data, now) {
    const at = now.toISOString();
    return { name, title, status: 'done', startedAt: at, finishedAt: at, data };
}
/**
 * What a rollback needs from the migration it undoes, refused when any of it is unknown: that
 * migration finished by switching users from the colour to return to onto the active one, its
 * statistics gate measured the colour to return to, and its journal says what keeps that
 * colour out of service. A rollback given up before it copied anything changed nothing, so
 * what it inherited is inherited again.
 */
function inherit(latest, active, previous, request) {
    const how = `Return to ${previous} by hand (see action-migrate's README, "Rolling back"), or migrate forward with strategy blue-green.`;
    if (!latest) {
        throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .RefusalError */ .XQ(`No migration of ${request.component} in ${request.environment} is journalled, so there is no switch to undo.`, how);
    }
    const between = latest.strategy !== 'update' &&
        latest.strategy !== 'double-clone' &&
        latest.stacks.source === previous &&
        latest.stacks.target === active;
    // A rollback that was given up stands between: its source is the active colour.
    const abandoned = latest.strategy === 'rollback' &&
        latest.status === 'rolled-back' &&
        latest.stacks.source === active &&
        latest.stacks.target === previous;
    if (abandoned && !(0,_journal_js__WEBPACK_IMPORTED_MODULE_10__/* .hasStarted */ .gd)(latest, `copy:${COPY_BACK}`)) {
        const unavailability = undoneStep(latest, 'plan-unavailable:target');
        const verified = undoneStep(latest, 'verified:target');
        if (unavailability && verified) {
            return {
                undoes: latest.stacks.undoes,
                leaving: latest.stacks.leaving,
                unavailability,
                verified,
                verifiedTables: undoneStep(latest, 'verified-tables:target'),
            };
        }
    }
    if (!between || latest.status !== 'completed') {
        throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .RefusalError */ .XQ(`The newest journal is ${(0,_journal_js__WEBPACK_IMPORTED_MODULE_10__/* .describeMigration */ .K)(latest)}, not a finished switch from ${previous} to ${active}, so it cannot be told what ${previous} holds or what keeps it out of service.`, abandoned
            ? `That rollback was given up after it began copying into ${previous}, so ${previous} no longer holds what was verified. ${how}`
            : how);
    }
    const unavailability = undoneStep(latest, 'plan-unavailable:source');
    const gate = undoneStep(latest, `compare:${COPY_BACK}`);
    if (!unavailability || !gate || gate.from !== previous) {
        throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .RefusalError */ .XQ(`The journal of ${(0,_journal_js__WEBPACK_IMPORTED_MODULE_10__/* .describeMigration */ .K)(latest)} has no ${unavailability ? `statistics gate measuring ${previous}` : `record of what took ${previous} out of service`}.`, how);
    }
    return {
        undoes: latest.id,
        leaving: latest.toVersion,
        unavailability,
        verified: gate.buckets.map((bucket) => ({
            path: bucket.path,
            history: bucket.history === true,
            statistics: bucket.source,
        })),
        verifiedTables: gate.tables?.map((table) => ({ path: table.path, statistics: table.source })),
    };
}
/** A stack's suite version tag; undefined when it has none. */
function versionOf(stack) {
    return stack.Tags?.find((tag) => tag.Key === _aws_suite_tags_js__WEBPACK_IMPORTED_MODULE_2__/* .STACK_TAG */ .u6.version)?.Value || undefined;
}
/**
 * Plans a rollback: the active colour and the previous one both exist, the previous runs the
 * requested version and is still inside its window, and nothing in either is data the
 * rollback cannot copy back.
 */
async function planRollback(context, request, stackName, latest) {
    const colours = await (0,_colours_js__WEBPACK_IMPORTED_MODULE_6__/* .activeColour */ .HA)(context.ssm(), context.cloudFormation, stackName, request.pointerParameter);
    const { pointer } = colours;
    if (!pointer.colour || !colours.active) {
        throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .RefusalError */ .XQ(`${request.pointerParameter} does not exist, so ${request.environment} has no colours to roll back between.`, 'A rollback undoes a finished blue-green migration.');
    }
    const sourceColour = pointer.colour;
    const targetColour = sourceColour === 'blue' ? 'green' : 'blue';
    const source = (0,_aws_errors_js__WEBPACK_IMPORTED_MODULE_13__/* .answered */ .oQ)(colours.active.StackName, 'StackName (CloudFormation DescribeStacks)');
    const target = (0,_colours_js__WEBPACK_IMPORTED_MODULE_6__/* .colourStackName */ .KC)(stackName, targetColour);
    const previous = targetColour === 'blue' ? colours.blue : colours.green;
    if (!previous) {
        throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .RefusalError */ .XQ(`The previous colour ${target} is gone (retired once keep-previous-hours passed, or deleted), so there is nothing to roll back to.`, `Migrate forward instead: strategy blue-green with the version to run (it builds it from the template and clones ${source}'s data into it).`);
    }
    const endsAt = (pointer.since?.getTime() ?? 0) + request.keepPreviousHours * 3_600_000;
    if (pointer.since === undefined || endsAt <= context.clock.now()) {
        throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .RefusalError */ .XQ(pointer.since === undefined
            ? `When ${request.pointerParameter} last changed is unknown, so it cannot be shown that ${target} is still inside its rollback window.`
            : `The rollback window of ${target} ended at ${new Date(endsAt).toISOString()} (keep-previous-hours: ${request.keepPreviousHours} from the switch at ${pointer.since.toISOString()}); ${source}'s data has moved on since, and ${target} may be retired at any time.`, `Migrate forward instead: strategy blue-green with the version to run (it retires ${target} and clones ${source}'s data into a new stack).`);
    }
    const previousVersion = versionOf(previous);
    if (previousVersion !== request.version) {
        throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .RefusalError */ .XQ(previousVersion === undefined
            ? `${target} has no ${_aws_suite_tags_js__WEBPACK_IMPORTED_MODULE_2__/* .STACK_TAG */ .u6.version} tag, so it cannot be shown to run ${request.version}.`
            : `${target}, the previous colour, runs ${previousVersion}, not ${request.version}.`, previousVersion === undefined
            ? 'A rollback returns to a colour the suite deployed; migrate forward with strategy blue-green instead.'
            : `Run the rollback with version ${previousVersion}: a rollback returns to what the previous colour runs.`);
    }
    const inherited = inherit(latest, source, target, request);
    if (inherited.unavailability.mode === 'maintenance-hook' && request.hook === undefined) {
        throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .RefusalError */ .XQ(`${target} was taken out of service with availability maintenance-hook, so only its maintenance-off URL brings it back.`, 'Run the rollback with availability: maintenance-hook and the same maintenance URLs.');
    }
    await (0,_data_copy_js__WEBPACK_IMPORTED_MODULE_7__/* .checkClonable */ .d8)(context, request, source);
    // Each colour listed once, for what it must not hold and what must have been measured.
    const [sourceData, targetData] = await Promise.all([
        (0,_provisioning_stack_resources_js__WEBPACK_IMPORTED_MODULE_4__/* .listStackResources */ .u)(context.cloudFormation, source, [_data_copy_js__WEBPACK_IMPORTED_MODULE_7__/* .DATABASE_TYPE */ .jD, _data_copy_js__WEBPACK_IMPORTED_MODULE_7__/* .TABLE_TYPE */ ._U]),
        (0,_provisioning_stack_resources_js__WEBPACK_IMPORTED_MODULE_4__/* .listStackResources */ .u)(context.cloudFormation, target, [_data_copy_js__WEBPACK_IMPORTED_MODULE_7__/* .DATABASE_TYPE */ .jD, _data_copy_js__WEBPACK_IMPORTED_MODULE_7__/* .TABLE_TYPE */ ._U]),
    ]);
    const databases = [...sourceData, ...targetData].filter((resource) => resource.type === _data_copy_js__WEBPACK_IMPORTED_MODULE_7__/* .DATABASE_TYPE */ .jD);
    if (databases.length > 0) {
        throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .RefusalError */ .XQ(`${source} or ${target} holds RDS DB instance(s) (${[...new Set(databases.map((db) => db.path))].join(', ')}): a rollback copies bucket data back, and a database's writes since the switch cannot be copied into ${target}'s database without replacing it.`, `Restore ${target}'s database from a snapshot of ${source}'s by hand, or migrate forward with strategy blue-green to ${request.version} (it snapshots ${source}'s databases into the new stack).`);
    }
    const unmeasured = sourceData.filter((resource) => resource.type === _data_copy_js__WEBPACK_IMPORTED_MODULE_7__/* .TABLE_TYPE */ ._U &&
        !inherited.verifiedTables?.some((verified) => verified.path === resource.path));
    if (unmeasured.length > 0) {
        throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .RefusalError */ .XQ(`${source} holds DynamoDB table(s) (${unmeasured.map((table) => table.path).join(', ')}) that the statistics gate of migration ${inherited.undoes} did not measure in ${target}, so it cannot be shown that ${target}'s tables still hold what users left there.`, `Migrate forward with strategy blue-green to ${request.version} instead (it copies every item into the new stack's tables).`);
    }
    const now = new Date(context.clock.now());
    const leaving = versionOf(colours.active) ?? inherited.leaving;
    context.logger.info(`Rolling back migration ${inherited.undoes}: ${source} (${leaving}) serves users; ${target} (${request.version}) is kept until ${new Date(endsAt).toISOString()}.`);
    return {
        strategy: 'rollback',
        stacks: {
            source,
            target,
            sourceColour,
            targetColour,
            undoes: inherited.undoes,
            leaving,
        },
        steps: [
            // Named as the copying steps name a frozen stack's plan, so restoring it finds it.
            seeded('plan-unavailable:target', `Take over how migration ${inherited.undoes} stopped traffic to ${target}`, inherited.unavailability, now),
            seeded('verified:target', `Take over what migration ${inherited.undoes} verified in the buckets of ${target}`, inherited.verified, now),
            seeded('verified-tables:target', `Take over what migration ${inherited.undoes} verified in the tables of ${target}`, inherited.verifiedTables ?? [], now),
        ],
    };
}
/**
 * Refuses to copy into the previous colour when it no longer holds exactly what the undone
 * migration's gate measured: whatever was written there since would be overwritten.
 */
async function checkUnchanged(run, target) {
    const verified = run.data('verified:target') ?? [];
    const verifiedTables = run.data('verified-tables:target') ?? [];
    const resources = await (0,_provisioning_stack_resources_js__WEBPACK_IMPORTED_MODULE_4__/* .listStackResources */ .u)(run.context.cloudFormation, target, [
        _data_copy_js__WEBPACK_IMPORTED_MODULE_7__/* .BUCKET_TYPE */ .sv,
        _data_copy_js__WEBPACK_IMPORTED_MODULE_7__/* .TABLE_TYPE */ ._U,
    ]);
    const buckets = resources.filter((resource) => resource.type === _data_copy_js__WEBPACK_IMPORTED_MODULE_7__/* .BUCKET_TYPE */ .sv);
    const tables = resources.filter((resource) => resource.type === _data_copy_js__WEBPACK_IMPORTED_MODULE_7__/* .TABLE_TYPE */ ._U);
    const changed = [];
    for (const bucket of verified) {
        const live = buckets.find((candidate) => candidate.path === bucket.path);
        if (!live) {
            changed.push(`${bucket.path} is gone`);
            continue;
        }
        const now = bucket.history
            ? await (0,_bucket_compare_js__WEBPACK_IMPORTED_MODULE_5__/* .bucketHistoryStatistics */ .K1)(run.context.s3(), live.physicalId)
            : await (0,_bucket_compare_js__WEBPACK_IMPORTED_MODULE_5__/* .bucketStatistics */ .Ip)(run.context.s3(), live.physicalId);
        const then = bucket.statistics;
        if (now.digest !== then.digest) {
            changed.push(`${bucket.path} (${live.physicalId}) held ${then.objects} object(s), ${then.bytes} bytes and now holds ${now.objects}, ${now.bytes} bytes`);
        }
        else {
            run.context.logger.info(`${bucket.path}: ${now.objects} object(s), as verified when users left ${target}.`);
        }
    }
    for (const table of verifiedTables) {
        const live = tables.find((candidate) => candidate.path === table.path);
        if (!live) {
            changed.push(`table ${table.path} is gone`);
            continue;
        }
        const now = await (0,_dynamodb_tables_js__WEBPACK_IMPORTED_MODULE_11__/* .tableStatistics */ .K)(run.context.dynamodb(), live.physicalId, (0,_dynamodb_tables_js__WEBPACK_IMPORTED_MODULE_11__/* .segmentsFor */ .Yc)(run.request.copyConcurrency));
        if (now.digest !== table.statistics.digest) {
            changed.push(`table ${table.path} (${live.physicalId}) held ${table.statistics.items} item(s) and now holds ${now.items}${now.items === table.statistics.items ? ', changed' : ''}`);
        }
        else {
            run.context.logger.info(`${table.path}: ${now.items} item(s), as verified when users left ${target}.`);
        }
    }
    if (changed.length > 0) {
        throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .RefusalError */ .XQ(`${target} was written to since users left it: ${changed.join('; ')}. Copying the newer data back would overwrite that.`, `Find out what wrote to ${target}; the newer colour still serves users, untouched.`);
    }
}
/** The version the environment leaves is no longer vouched for there: promotions from it stop. */
async function recordLeft(run) {
    const { leaving, source, target } = (0,_strategy_js__WEBPACK_IMPORTED_MODULE_14__/* .journalFor */ .f)(run.journal, 'rollback').stacks;
    const { context, request } = run;
    return (0,_promotion_ledger_js__WEBPACK_IMPORTED_MODULE_3__/* .recordPromotion */ .Zw)(context.s3(), request.journalBucket, (0,_promotion_ledger_js__WEBPACK_IMPORTED_MODULE_3__/* .newRecord */ .Mx)({
        component: request.component,
        version: leaving,
        environment: request.environment,
        gate: 'statistics',
    }, false, request.run, new Date(context.clock.now()), {
        stackName: source,
        detail: `rolled back: ${request.environment} returned to ${request.version} (${target}) by migration ${run.journal.id}`,
    }), context.logger);
}
/** Everything after the check, forgotten when users are served again so a re-run redoes it. */
const PHASE = new Set([
    'plan-unavailable:source',
    'unavailable:source',
    `copy:${COPY_BACK}`,
    `compare:${COPY_BACK}`,
    'switch-pointer',
    'switch-dns',
]);
/**
 * Serves users from the newer colour again, as before the rollback began; the previous colour
 * stays out of service. `retry` leaves the rollback unfinished, to be run again (the copy back
 * is a mirror, so it picks up the writes made meanwhile); `abandon` ends it (recover: rollback).
 */
async function serveNewerAgain(run, cause, then) {
    const { source, target, sourceColour } = (0,_strategy_js__WEBPACK_IMPORTED_MODULE_14__/* .journalFor */ .f)(run.journal, 'rollback').stacks;
    if ((0,_journal_js__WEBPACK_IMPORTED_MODULE_10__/* .isDone */ .$L)(run.journal, 'available:target')) {
        throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .RefusalError */ .XQ(`Rollback ${run.journal.id} already serves users from ${target}; it cannot be undone.`, `Run strategy: rollback again, with the version ${source} runs, to return to ${source}.`);
    }
    await run.context.logger.group(`Serve users from ${source} again`, async () => {
        const problems = await (0,_blue_green_js__WEBPACK_IMPORTED_MODULE_8__.pointUsersBack)(run, sourceColour, source);
        await (0,_stack_steps_js__WEBPACK_IMPORTED_MODULE_12__/* .restoreStack */ .DM)(run, ['source'], source).catch((error) => problems.push(`restoring ${source}'s availability failed: ${(0,_core_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .errorMessage */ .gJ)(error)}`));
        const location = `${source}, serving users again (nothing of it changed); ${target} out of service${(0,_journal_js__WEBPACK_IMPORTED_MODULE_10__/* .hasStarted */ .gd)(run.journal, `copy:${COPY_BACK}`) ? ', part of the copy back done' : ''}`;
        if (problems.length > 0) {
            await run.setStatus('failed', location, `${(0,_core_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .errorMessage */ .gJ)(cause)} Then: ${problems.join('; ')}`);
            throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .RefusalError */ .XQ(`Serving users from ${source} again left work undone: ${problems.join('; ')}.`, 'Run again with recover: rollback to finish it.');
        }
        if (then === 'abandon') {
            await run.setStatus('rolled-back', location, cause);
            return;
        }
        run.forget((name) => PHASE.has(name));
        await run.setStatus('failed', location, cause);
    });
}
/**
 * Returns users to the previous colour of a finished blue/green migration, inside its window:
 * the previous colour is checked to hold what was verified when users left it, the newer
 * colour is taken out of service, whatever changed in it since the switch is copied back and
 * the statistics gate compares the two, then the pointer and the DNS record move back. The
 * newer colour is kept, out of service, until keep-previous-hours pass: a rollback of this
 * rollback goes forward again.
 */
async function rollBack(run) {
    const stacks = (0,_strategy_js__WEBPACK_IMPORTED_MODULE_14__/* .journalFor */ .f)(run.journal, 'rollback').stacks;
    const { source, target, targetColour } = stacks;
    try {
        await run.step('check:target', `Check that ${target} holds what was verified`, () => checkUnchanged(run, target));
        await (0,_stack_steps_js__WEBPACK_IMPORTED_MODULE_12__/* .makeStackUnavailable */ .F8)(run, 'source', source);
        await (0,_stack_steps_js__WEBPACK_IMPORTED_MODULE_12__/* .copyStep */ .Kf)(run, COPY_BACK, source, target, 'mirror');
        await (0,_stack_steps_js__WEBPACK_IMPORTED_MODULE_12__/* .gateStep */ .sf)(run, COPY_BACK, source, target, []);
        await run.step('switch-pointer', `Point ${run.request.pointerParameter} back at ${targetColour}`, () => (0,_colours_js__WEBPACK_IMPORTED_MODULE_6__/* .writePointer */ .NS)(run.context.ssm(), run.request.pointerParameter, targetColour));
        const record = run.request.dnsRecord;
        if (record) {
            await run.step('switch-dns', `Point ${record.name} back at ${target}`, async () => (0,_dns_record_js__WEBPACK_IMPORTED_MODULE_9__/* .pointRecord */ .Y)(run.context.route53(), record, (0,_aws_stack_lookup_js__WEBPACK_IMPORTED_MODULE_1__/* .stackOutputs */ .X)(await (0,_aws_stack_lookup_js__WEBPACK_IMPORTED_MODULE_1__/* .findStack */ .e)(run.context.cloudFormation, target)), target, run.context.logger));
        }
        await run.locate(`${target} (active, verified against ${source}); ${source} keeps ${stacks.leaving}'s copy`);
        await (0,_stack_steps_js__WEBPACK_IMPORTED_MODULE_12__/* .restoreStep */ .T2)(run, 'target', target);
    }
    catch (error) {
        // Refused before the newer colour was touched: nothing changed, so the rollback ends.
        const then = (0,_journal_js__WEBPACK_IMPORTED_MODULE_10__/* .hasStarted */ .gd)(run.journal, 'plan-unavailable:source') ? 'retry' : 'abandon';
        return run.failAfter(error, () => serveNewerAgain(run, error, then));
    }
    await run.step('record:rolled-back', `Record that ${stacks.leaving} was rolled back`, () => recordLeft(run));
    await run.complete(`${target} (active at ${run.request.version}, verified against ${source}); ${source} keeps ${stacks.leaving} and its data, out of service, until keep-previous-hours pass`);
    return run.outcome(target);
}
/** rollback, registered by name: a finished blue/green switch undone, data copied back. */
const rollbackStrategy = {
    name: 'rollback',
    plan: planRollback,
    async checkResumable(context, request, journal) {
        const { sourceColour, targetColour } = (0,_strategy_js__WEBPACK_IMPORTED_MODULE_14__/* .journalFor */ .f)(journal, 'rollback').stacks;
        await (0,_colours_js__WEBPACK_IMPORTED_MODULE_6__/* .checkPointerAsJournalled */ .wP)(context.ssm(), request.pointerParameter, journal, {
            from: sourceColour,
            to: targetColour,
        });
    },
    run: rollBack,
    rollBack: (run, reason) => serveNewerAgain(run, reason, 'abandon'),
    verifiedStack: (journal) => (0,_strategy_js__WEBPACK_IMPORTED_MODULE_14__/* .journalFor */ .f)(journal, 'rollback').stacks.target,
};


/***/ })

};
