export const id = 195;
export const ids = [195];
export const modules = {

/***/ 41195:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   baselineCommand: () => (/* binding */ baselineCommand),
/* harmony export */   compareCommand: () => (/* binding */ compareCommand)
/* harmony export */ });
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(73024);
/* harmony import */ var node_util__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(57975);
/* harmony import */ var _gate_baseline_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(13424);
/* harmony import */ var _gate_verdict_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(79127);
/* harmony import */ var _report_console_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(54284);
/* harmony import */ var _report_markdown_js__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(12560);
/* harmony import */ var _scenario_parse_js__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(36115);
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_7__ = __webpack_require__(29756);








/** `mlload baseline <results.json>... --out <baseline.json>` */
function baselineCommand(args, io) {
    const { values, positionals } = (0,node_util__WEBPACK_IMPORTED_MODULE_1__.parseArgs)({ args, allowPositionals: true, strict: true, options: { out: { type: 'string' } } });
    if (positionals.length === 0)
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_7__/* .UsageError */ .e('baseline takes one or more results.json files');
    if (!values.out)
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_7__/* .UsageError */ .e('baseline needs --out <baseline.json>');
    const runs = positionals.map(_gate_baseline_js__WEBPACK_IMPORTED_MODULE_2__/* .readResults */ .x8);
    let baseline;
    try {
        baseline = (0,_gate_baseline_js__WEBPACK_IMPORTED_MODULE_2__/* .buildBaseline */ .ET)(runs);
    }
    catch (err) {
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_7__/* .UsageError */ .e(err.message);
    }
    (0,_gate_baseline_js__WEBPACK_IMPORTED_MODULE_2__/* .writeBaseline */ .B9)(values.out, baseline);
    const o = baseline.overall;
    io.out(`Wrote ${values.out}: ${baseline.runs} ${baseline.runs === 1 ? 'run' : 'runs'}, ${o.count} requests, p50 ${o.latency_ms.p50} ms, p95 ${o.latency_ms.p95} ms, p99 ${o.latency_ms.p99} ms, ${o.rps} req/s, error rate ${(o.error_rate * 100).toFixed(2)}%`);
    return _errors_js__WEBPACK_IMPORTED_MODULE_7__/* .EXIT */ .d.ok;
}
/** `mlload compare <results.json> --baseline <baseline.json> [--scenario FILE] [--markdown FILE]` */
function compareCommand(args, io) {
    const { values, positionals } = (0,node_util__WEBPACK_IMPORTED_MODULE_1__.parseArgs)({
        args,
        allowPositionals: true,
        strict: true,
        options: { baseline: { type: 'string' }, scenario: { type: 'string' }, markdown: { type: 'string' }, 'fail-on-inconclusive': { type: 'boolean', default: false } },
    });
    if (positionals.length !== 1)
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_7__/* .UsageError */ .e('compare takes one results.json');
    if (!values.baseline)
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_7__/* .UsageError */ .e('compare needs --baseline <baseline.json>');
    const results = (0,_gate_baseline_js__WEBPACK_IMPORTED_MODULE_2__/* .readResults */ .x8)(positionals[0]);
    const scenario = (0,_scenario_parse_js__WEBPACK_IMPORTED_MODULE_6__/* .loadScenario */ .df)(values.scenario ?? results.scenario.file);
    const baseline = (0,_gate_baseline_js__WEBPACK_IMPORTED_MODULE_2__/* .readBaseline */ .mF)(values.baseline);
    const verdict = (0,_gate_verdict_js__WEBPACK_IMPORTED_MODULE_3__/* .judge */ .S4)(results, scenario, baseline, values.baseline);
    io.out((0,_report_console_js__WEBPACK_IMPORTED_MODULE_4__/* .verdictText */ .nt)(verdict));
    if (values.markdown)
        (0,node_fs__WEBPACK_IMPORTED_MODULE_0__.writeFileSync)(values.markdown, (0,_report_markdown_js__WEBPACK_IMPORTED_MODULE_5__/* .markdownReport */ .qN)(results, verdict));
    return (0,_gate_verdict_js__WEBPACK_IMPORTED_MODULE_3__/* .shouldFail */ .W9)(verdict, 'any', values['fail-on-inconclusive']) ? _errors_js__WEBPACK_IMPORTED_MODULE_7__/* .EXIT */ .d.fail : _errors_js__WEBPACK_IMPORTED_MODULE_7__/* .EXIT */ .d.ok;
}


/***/ })

};
