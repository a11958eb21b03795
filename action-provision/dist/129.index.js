export const id = 129;
export const ids = [129];
export const modules = {

/***/ 5129:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   createCloudWatchClient: () => (/* binding */ createCloudWatchClient)
/* harmony export */ });
/* harmony import */ var _aws_sdk_client_cloudwatch__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(4085);
/* harmony import */ var _bounded_calls_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(1744);
/* harmony import */ var _clients_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(201);



/** CloudWatch, which only a comparison of environments reads: loaded when one runs. */
function createCloudWatchClient(settings) {
    return (0,_bounded_calls_js__WEBPACK_IMPORTED_MODULE_0__/* .boundCalls */ .uw)(new _aws_sdk_client_cloudwatch__WEBPACK_IMPORTED_MODULE_2__/* .CloudWatchClient */ .WBn((0,_clients_js__WEBPACK_IMPORTED_MODULE_1__/* .clientConfig */ .yO)(settings)), settings.bounds);
}


/***/ })

};
