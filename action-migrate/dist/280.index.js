export const id = 280;
export const ids = [280,899];
export const modules = {

/***/ 2280:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   createMigrationClients: () => (/* binding */ createMigrationClients)
/* harmony export */ });
/* harmony import */ var _aws_sdk_client_auto_scaling__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(8932);
/* harmony import */ var _aws_sdk_client_dynamodb__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(4305);
/* harmony import */ var _aws_sdk_client_rds__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(7202);
/* harmony import */ var _aws_sdk_client_route_53__WEBPACK_IMPORTED_MODULE_7__ = __webpack_require__(8621);
/* harmony import */ var _aws_sdk_client_s3_control__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(2619);
/* harmony import */ var _aws_sdk_client_ssm__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(4736);
/* harmony import */ var _bounded_calls_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(1744);
/* harmony import */ var _clients_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(201);








function createMigrationClients(settings) {
    const common = (0,_clients_js__WEBPACK_IMPORTED_MODULE_1__/* .clientConfig */ .yO)(settings);
    let autoScaling;
    let rds;
    let dynamodb;
    let s3Control;
    let ssm;
    let route53;
    return {
        get autoScaling() {
            return (autoScaling ??= (0,_bounded_calls_js__WEBPACK_IMPORTED_MODULE_0__/* .boundCalls */ .uw)(new _aws_sdk_client_auto_scaling__WEBPACK_IMPORTED_MODULE_2__/* .AutoScalingClient */ .yis(common), settings.bounds));
        },
        get rds() {
            return (rds ??= (0,_bounded_calls_js__WEBPACK_IMPORTED_MODULE_0__/* .boundCalls */ .uw)(new _aws_sdk_client_rds__WEBPACK_IMPORTED_MODULE_3__/* .RDSClient */ .rYe(common), settings.bounds));
        },
        get dynamodb() {
            return (dynamodb ??= (0,_bounded_calls_js__WEBPACK_IMPORTED_MODULE_0__/* .boundCalls */ .uw)(new _aws_sdk_client_dynamodb__WEBPACK_IMPORTED_MODULE_4__/* .DynamoDBClient */ .MGV(common), settings.bounds));
        },
        get s3Control() {
            return (s3Control ??= (0,_bounded_calls_js__WEBPACK_IMPORTED_MODULE_0__/* .boundCalls */ .uw)(new _aws_sdk_client_s3_control__WEBPACK_IMPORTED_MODULE_5__/* .S3ControlClient */ .gGw(common), settings.bounds));
        },
        get ssm() {
            return (ssm ??= (0,_bounded_calls_js__WEBPACK_IMPORTED_MODULE_0__/* .boundCalls */ .uw)(new _aws_sdk_client_ssm__WEBPACK_IMPORTED_MODULE_6__/* .SSMClient */ .jBj(common), settings.bounds));
        },
        get route53() {
            return (route53 ??= (0,_bounded_calls_js__WEBPACK_IMPORTED_MODULE_0__/* .boundCalls */ .uw)(new _aws_sdk_client_route_53__WEBPACK_IMPORTED_MODULE_7__/* .Route53Client */ .LhC(common), settings.bounds));
        },
    };
}


/***/ })

};
