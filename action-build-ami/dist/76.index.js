export const id = 76;
export const ids = [76];
export const modules = {

/***/ 8076:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   ProxyAwareRequestHandler: () => (/* binding */ ProxyAwareRequestHandler)
/* harmony export */ });
/* harmony import */ var _smithy_core_transport__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(4534);
/* harmony import */ var undici__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(6752);
/* harmony import */ var _core_proxy_environment_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(5123);



/** The SDK's own default: connections kept per host. */
const CONNECTIONS = 50;
/**
 * The AWS SDK's requests sent by undici, through the proxy HTTPS_PROXY / HTTP_PROXY name
 * unless NO_PROXY lists the host: the SDK's own handler ignores those variables. The same
 * mechanism as the smoke checks' (src/smoke/http-client.ts): https tunnelled with CONNECT,
 * plain http sent to the proxy as an absolute URI. Used only when a proxy variable is set.
 */
class ProxyAwareRequestHandler {
    env;
    metadata = { handlerProtocol: 'http/1.1' };
    direct = new undici__WEBPACK_IMPORTED_MODULE_0__/* .Agent */ .g6({ connections: CONNECTIONS });
    proxies = new Map();
    constructor(env = process.env) {
        this.env = env;
    }
    async handle(request, options = {}) {
        const url = new URL(`${request.protocol}//${request.hostname}${request.port ? `:${request.port}` : ''}${request.path}`);
        for (const [name, value] of Object.entries(request.query ?? {})) {
            for (const one of Array.isArray(value) ? value : [value]) {
                if (one === null)
                    url.searchParams.append(name, '');
                else
                    url.searchParams.append(name, one);
            }
        }
        const proxy = (0,_core_proxy_environment_js__WEBPACK_IMPORTED_MODULE_1__/* .proxyFor */ .iJ)(url, this.env);
        const headers = Object.fromEntries(
        // undici sends no `Expect: 100-continue` (it refuses the header); the body goes at once.
        Object.entries(request.headers).filter(([name]) => name.toLowerCase() !== 'expect'));
        const answer = await (0,undici__WEBPACK_IMPORTED_MODULE_0__/* .request */ .Em)(url, {
            method: request.method,
            headers,
            body: request.body,
            dispatcher: proxy ? this.proxyAgent(proxy) : this.direct,
            ...(options.abortSignal ? { signal: options.abortSignal } : {}),
            ...(options.requestTimeout
                ? { headersTimeout: options.requestTimeout, bodyTimeout: options.requestTimeout }
                : {}),
        });
        return {
            response: new _smithy_core_transport__WEBPACK_IMPORTED_MODULE_2__.HttpResponse({
                statusCode: answer.statusCode,
                headers: Object.fromEntries(Object.entries(answer.headers).map(([name, value]) => [
                    name,
                    Array.isArray(value) ? value.join(', ') : (value ?? ''),
                ])),
                body: answer.body,
            }),
        };
    }
    proxyAgent(proxy) {
        let agent = this.proxies.get(proxy.href);
        if (!agent) {
            agent = new undici__WEBPACK_IMPORTED_MODULE_0__/* .ProxyAgent */ .kT({ uri: proxy.href, connections: CONNECTIONS, proxyTunnel: false });
            this.proxies.set(proxy.href, agent);
        }
        return agent;
    }
    updateHttpClientConfig() { }
    httpHandlerConfigs() {
        return {};
    }
    destroy() {
        void this.direct.close();
        for (const agent of this.proxies.values())
            void agent.close();
    }
}


/***/ })

};
