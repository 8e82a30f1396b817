export const id = 568;
export const ids = [568];
export const modules = {

/***/ 6568:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  baselineCommand: () => (/* binding */ baselineCommand),
  compareCommand: () => (/* binding */ compareCommand)
});

// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: external "node:util"
var external_node_util_ = __webpack_require__(7975);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
;// CONCATENATED MODULE: ./lib/schema/baseline.schema.json
const baseline_schema_namespaceObject = /*#__PURE__*/JSON.parse('{"$schema":"http://json-schema.org/draft-07/schema#","$id":"https://github.com/org/mlload-action/schema/baseline.schema.json","title":"mlload baseline","description":"Figures a scenario\'s runs are compared with: summary figures and compressed HDR histograms, overall and per request. Written by `mlload baseline` or the action\'s update-baseline mode.","type":"object","required":["schema_version","scenario","created_at","runs","environment","overall","requests"],"additionalProperties":false,"properties":{"$schema":{"type":"string"},"schema_version":{"const":1},"scenario":{"type":"object","required":["name","hash"],"additionalProperties":false,"properties":{"name":{"type":"string"},"hash":{"type":"string","description":"Hash of the scenario\'s seed, load and requests; a baseline of another scenario is not compared."}}},"created_at":{"type":"string","description":"ISO 8601 time the baseline was written."},"runs":{"type":"integer","minimum":1,"description":"How many runs were merged."},"tool_version":{"type":"string"},"environment":{"type":"object","required":["os","cpu_model","cores"],"properties":{"os":{"type":"string"},"arch":{"type":"string"},"cpu_model":{"type":"string"},"cores":{"type":"integer"},"node":{"type":"string"},"runner":{"type":"string"},"commit":{"type":"string"}}},"target":{"type":"object","properties":{"kind":{"enum":["url","container"]},"url":{"type":"string"},"image":{"type":"string"},"image_digest":{"type":"string"},"cold_start_ms":{"type":"number"},"first_prediction_ms":{"type":"number"}}},"overall":{"$ref":"#/definitions/figures"},"requests":{"type":"object","additionalProperties":{"$ref":"#/definitions/figures"}},"per_run":{"type":"array","description":"Each merged run\'s headline figures: the spread a later comparison can weigh noise against.","items":{"type":"object","required":["rps","error_rate","p50","p95","p99"],"properties":{"rps":{"type":"number"},"error_rate":{"type":"number"},"p50":{"type":"number"},"p95":{"type":"number"},"p99":{"type":"number"}}}}},"definitions":{"latency":{"type":"object","required":["p50","p90","p95","p99","p999","max","mean"],"properties":{"p50":{"type":"number"},"p90":{"type":"number"},"p95":{"type":"number"},"p99":{"type":"number"},"p999":{"type":"number"},"min":{"type":"number"},"max":{"type":"number"},"mean":{"type":"number"}}},"figures":{"type":"object","required":["count","failure_count","rps","error_rate","latency_ms","histogram"],"additionalProperties":false,"properties":{"count":{"type":"integer","minimum":0},"failure_count":{"type":"integer","minimum":0},"rps":{"type":"number","minimum":0},"error_rate":{"type":"number","minimum":0,"maximum":1},"latency_ms":{"$ref":"#/definitions/latency"},"histogram":{"type":"string","description":"HDR histogram of latency in microseconds, compressed and base64-encoded."}}}}}');
;// CONCATENATED MODULE: ./lib/schema/results.schema.json
const results_schema_namespaceObject = /*#__PURE__*/JSON.parse('{"$schema":"http://json-schema.org/draft-07/schema#","$id":"https://github.com/org/mlload-action/schema/results.schema.json","title":"mlload results","description":"What one run measured: results.json, written by `mlload run` and the action.","type":"object","required":["schema_version","tool","scenario","started_at","finished_at","duration_s","warmup_s","interrupted","stop_reason","load","overall","requests","series","target","environment"],"properties":{"schema_version":{"const":1},"tool":{"type":"object","required":["name","version"],"properties":{"name":{"const":"mlload"},"version":{"type":"string"}}},"scenario":{"type":"object","required":["name","file","hash"],"properties":{"name":{"type":"string"},"file":{"type":"string"},"hash":{"type":"string"}}},"started_at":{"type":"string"},"finished_at":{"type":"string"},"duration_s":{"type":"number","description":"Measured seconds, warm-up excluded."},"warmup_s":{"type":"number"},"interrupted":{"type":"boolean"},"stop_reason":{"type":["string","null"]},"load":{"type":"object"},"overall":{"type":"object","required":["count","failure_count","rps","error_rate","latency_ms","service_ms","failures","histogram"],"properties":{"count":{"type":"integer","minimum":0},"failure_count":{"type":"integer","minimum":0},"rps":{"type":"number","minimum":0},"error_rate":{"type":"number","minimum":0,"maximum":1},"latency_ms":{"$ref":"#/definitions/latency","description":"From the scheduled send time to the end of the response (coordinated-omission corrected in the open model)."},"service_ms":{"$ref":"#/definitions/latency","description":"From the actual send to the end of the response."},"avg_content_bytes":{"type":"number"},"status_codes":{"type":"object","additionalProperties":{"type":"integer"}},"failures":{"type":"array","items":{"$ref":"#/definitions/failure"}},"histogram":{"type":"string","description":"HDR histogram of latency_ms in microseconds, compressed base64 (hdr-histogram-js encodeIntoCompressedBase64)."},"service_histogram":{"type":"string"}}},"requests":{"type":"object","additionalProperties":{"type":"object","required":["count","failure_count","rps","error_rate","latency_ms","service_ms","failures","histogram","method","path"],"properties":{"count":{"type":"integer","minimum":0},"failure_count":{"type":"integer","minimum":0},"rps":{"type":"number","minimum":0},"error_rate":{"type":"number","minimum":0,"maximum":1},"latency_ms":{"$ref":"#/definitions/latency","description":"From the scheduled send time to the end of the response (coordinated-omission corrected in the open model)."},"service_ms":{"$ref":"#/definitions/latency","description":"From the actual send to the end of the response."},"avg_content_bytes":{"type":"number"},"status_codes":{"type":"object","additionalProperties":{"type":"integer"}},"failures":{"type":"array","items":{"$ref":"#/definitions/failure"}},"histogram":{"type":"string","description":"HDR histogram of latency_ms in microseconds, compressed base64 (hdr-histogram-js encodeIntoCompressedBase64)."},"service_histogram":{"type":"string"},"method":{"type":"string"},"path":{"type":"string"}}}},"series":{"type":"array","items":{"type":"object","required":["t","time","phase","rps","errors","p50","p95","p99","in_flight","users","total"],"properties":{"t":{"type":"number"},"time":{"type":"number"},"phase":{"enum":["warmup","measure","drain"]},"rps":{"type":"number"},"errors":{"type":"integer"},"p50":{"type":"number"},"p95":{"type":"number"},"p99":{"type":"number"},"in_flight":{"type":"integer"},"users":{"type":"integer"},"cpu_percent":{"type":"number"},"memory_mb":{"type":"number"},"total":{"type":"object","required":["count","failures","p50","mean","min","max","avg_bytes"]}}}},"target":{"type":"object","required":["kind","url"],"properties":{"kind":{"enum":["url","container"]},"url":{"type":"string"},"image":{"type":"string"},"image_digest":{"type":"string"},"cold_start_ms":{"type":"number","description":"From docker run to the first 200 on the health path."},"first_prediction_ms":{"type":"number","description":"From docker run to the first successful response."},"cpu_percent":{"type":"object","properties":{"mean":{"type":"number"},"peak":{"type":"number"}}},"memory_mb":{"type":"object","properties":{"mean":{"type":"number"},"peak":{"type":"number"}}}}},"environment":{"type":"object","required":["os","cpu_model","cores","node"]},"verdict":{"enum":["pass","fail","inconclusive","no-baseline"],"description":"Present when the run was judged."},"checks":{"type":"array","description":"Present when the run was judged: one row per check."}},"definitions":{"latency":{"type":"object","required":["p50","p90","p95","p99","p999","max","mean"],"properties":{"p50":{"type":"number"},"p90":{"type":"number"},"p95":{"type":"number"},"p99":{"type":"number"},"p999":{"type":"number"},"min":{"type":"number"},"max":{"type":"number"},"mean":{"type":"number"}}},"failure":{"type":"object","required":["request","method","reason","count","samples"],"properties":{"request":{"type":"string"},"method":{"type":"string"},"reason":{"type":"string"},"count":{"type":"integer"},"samples":{"type":"array","items":{"type":"string"}}}}}}');
// EXTERNAL MODULE: ./lib/src/metrics/histogram.js
var metrics_histogram = __webpack_require__(6310);
// EXTERNAL MODULE: ./lib/src/scenario/document.js
var scenario_document = __webpack_require__(4116);
;// CONCATENATED MODULE: ./lib/src/gate/baseline.js






const SCHEMA_REF = 'https://github.com/org/mlload-action/schema/baseline.schema.json';
function mergeFigures(parts, seconds) {
    const histogram = (0,metrics_histogram/* mergeHistograms */.Q7)(parts.map((p) => (0,metrics_histogram/* decodeHistogram */.pr)(p.histogram)));
    const count = parts.reduce((a, p) => a + p.count, 0);
    const failures = parts.reduce((a, p) => a + p.failure_count, 0);
    return {
        count,
        failure_count: failures,
        rps: Math.round((count / seconds) * 100) / 100,
        error_rate: count ? Math.round((failures / count) * 1e6) / 1e6 : 0,
        latency_ms: (0,metrics_histogram/* summarize */.eh)(histogram),
        histogram: (0,metrics_histogram/* encodeHistogram */.ll)(histogram),
    };
}
/** Merges one or more runs of one scenario into a baseline: histograms add exactly. */
function buildBaseline(runs) {
    if (runs.length === 0)
        throw new Error('a baseline needs at least one run');
    const first = runs[0];
    const other = runs.find((r) => r.scenario.hash !== first.scenario.hash);
    if (other)
        throw new Error(`runs of different scenarios cannot be merged: ${first.scenario.name} (${first.scenario.hash}) and ${other.scenario.name} (${other.scenario.hash})`);
    const seconds = runs.reduce((a, r) => a + r.duration_s, 0) || 1;
    const names = Object.keys(first.requests);
    const target = { ...first.target };
    delete target.cpu_percent;
    delete target.memory_mb;
    return {
        $schema: SCHEMA_REF,
        schema_version: 1,
        scenario: { name: first.scenario.name, hash: first.scenario.hash },
        created_at: new Date().toISOString(),
        runs: runs.length,
        tool_version: first.tool.version,
        environment: first.environment,
        target,
        overall: mergeFigures(runs.map((r) => r.overall), seconds),
        requests: Object.fromEntries(names.map((n) => [n, mergeFigures(runs.map((r) => r.requests[n]).filter((x) => x !== undefined), seconds)])),
        per_run: runs.map((r) => ({ rps: r.overall.rps, error_rate: r.overall.error_rate, p50: r.overall.latency_ms.p50, p95: r.overall.latency_ms.p95, p99: r.overall.latency_ms.p99 })),
    };
}
/** Reads and validates a baseline file; null when there is none. Corrupt files throw InvalidFileError. */
function readBaseline(file) {
    if (!(0,external_node_fs_.existsSync)(file))
        return null;
    const doc = scenario_document/* SourceDocument */.Nc.read(file);
    const version = doc.value?.schema_version;
    if (version !== undefined && version !== 1) {
        throw new scenario_document/* InvalidFileError */.Ou([doc.problem(['schema_version'], `is ${JSON.stringify(version)}; this mlload reads version 1 baselines: refresh the baseline`)]);
    }
    const problems = (0,scenario_document/* validate */.tf)(doc, baseline_schema_namespaceObject);
    if (problems.length > 0)
        throw new scenario_document/* InvalidFileError */.Ou(problems);
    const baseline = doc.value;
    for (const [scope, f] of [['overall', baseline.overall], ...Object.entries(baseline.requests)]) {
        try {
            (0,metrics_histogram/* decodeHistogram */.pr)(f.histogram);
        }
        catch {
            const path = scope === 'overall' ? ['overall', 'histogram'] : ['requests', scope, 'histogram'];
            throw new scenario_document/* InvalidFileError */.Ou([doc.problem(path, 'is not a valid encoded HDR histogram')]);
        }
    }
    return baseline;
}
function writeBaseline(file, baseline) {
    (0,external_node_fs_.mkdirSync)((0,external_node_path_.dirname)(file), { recursive: true });
    (0,external_node_fs_.writeFileSync)(file, JSON.stringify(baseline, null, 2) + '\n');
}
/** Reads a results.json written by `mlload run`. */
function readResults(file) {
    const doc = scenario_document/* SourceDocument */.Nc.read(file);
    const problems = (0,scenario_document/* validate */.tf)(doc, results_schema_namespaceObject);
    if (problems.length > 0)
        throw new scenario_document/* InvalidFileError */.Ou(problems);
    return doc.value;
}

// EXTERNAL MODULE: ./lib/src/gate/verdict.js
var gate_verdict = __webpack_require__(6725);
// EXTERNAL MODULE: ./lib/src/report/console.js
var console = __webpack_require__(4284);
;// CONCATENATED MODULE: ./lib/src/report/markdown.js

/** Hidden marker that finds this scenario's comment again on later pushes. */
function commentMarker(scenario) {
    return `<!-- mlload-action:comment:${scenario.replace(/[^A-Za-z0-9._-]/g, '_')} -->`;
}
/** Text from the server (bodies, reasons) made inert: no markup, mentions, links or table breaks. */
function escapeText(text) {
    return text
        .replace(/&/g, '&amp;')
        .replace(/</g, '&lt;')
        .replace(/>/g, '&gt;')
        .replace(/\|/g, '&#124;')
        .replace(/`/g, '&#96;')
        .replace(/@/g, '&#64;')
        .replace(/\[/g, '&#91;')
        .replace(/\]/g, '&#93;')
        .replace(/\*/g, '&#42;')
        .replace(/_/g, '&#95;')
        .replace(/[\r\n\t]+/g, ' ');
}
const ICON = { pass: '✅', fail: '❌', improved: '🟢', info: '', 'no-baseline': '⚪' };
function checkRow(c, withScope) {
    const cells = [
        ...(withScope ? [c.scope === 'overall' ? 'all' : `\`${c.scope}\``] : []),
        `${(0,gate_verdict/* describeMetric */.oz)(c.metric)}${c.kind === 'slo' ? ' (SLO)' : ''}`,
        c.baseline === null ? '' : (0,gate_verdict/* formatValue */.Fl)(c.metric, c.baseline),
        (0,gate_verdict/* formatValue */.Fl)(c.metric, c.value),
        (0,gate_verdict/* formatChange */.eD)(c),
        c.limit,
        `${ICON[c.status]} ${c.status === 'info' ? '' : c.status}`.trim(),
    ];
    return `| ${cells.join(' | ')} |`;
}
function table(checks, withScope) {
    const header = [...(withScope ? ['Request'] : []), 'Metric', 'Baseline', 'This run', 'Change', 'Limit', 'Status'];
    return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...checks.map((c) => checkRow(c, withScope))];
}
/** Mermaid xychart of p50/p95/p99 per second (GitHub renders it in comments and summaries). */
function latencyChart(series, maxPoints = 60) {
    const points = series.filter((p) => p.phase !== 'drain');
    if (points.length < 2)
        return [];
    const step = Math.ceil(points.length / maxPoints);
    const picked = points.filter((_, i) => i % step === 0);
    const fmt = (x) => (Math.round(x * 10) / 10).toString();
    const top = Math.max(1, ...picked.map((p) => p.p99));
    return [
        '```mermaid',
        'xychart-beta',
        '  title "Latency per second (ms): p50, p95, p99"',
        `  x-axis "seconds" [${picked.map((p) => Math.round(p.t)).join(', ')}]`,
        `  y-axis "ms" 0 --> ${Math.ceil(top * 1.1)}`,
        `  line [${picked.map((p) => fmt(p.p50)).join(', ')}]`,
        `  line [${picked.map((p) => fmt(p.p95)).join(', ')}]`,
        `  line [${picked.map((p) => fmt(p.p99)).join(', ')}]`,
        '```',
    ];
}
/** The report: PR comment, job summary and report.md share it. */
function markdownReport(results, verdict, links = {}) {
    const name = results.scenario.name;
    const title = verdict.status === 'pass' ? 'passed' : verdict.status === 'fail' ? 'failed' : 'no baseline';
    const lines = [
        commentMarker(name),
        `### ${ICON[verdict.status]} mlload \`${escapeText(name)}\`: ${title}: ${escapeText(verdict.headline)}`,
        '',
    ];
    const o = results.overall;
    lines.push(`${o.count} requests in ${results.duration_s.toFixed(1)} s (${o.rps.toFixed(1)} req/s), error rate ${(o.error_rate * 100).toFixed(2)}%, ` +
        `p50 ${o.latency_ms.p50.toFixed(1)} ms, p95 ${o.latency_ms.p95.toFixed(1)} ms, p99 ${o.latency_ms.p99.toFixed(1)} ms.`, '');
    for (const n of verdict.notices)
        lines.push(`> [!NOTE]\n> ${n}`, '');
    const overall = verdict.checks.filter((c) => c.scope === 'overall');
    const perRequest = verdict.checks.filter((c) => c.scope !== 'overall');
    if (overall.length > 0)
        lines.push(...table(overall, false), '');
    else
        lines.push('No SLOs or baseline figures to compare; the figures are in the attached results.', '');
    if (perRequest.length > 0) {
        const failing = perRequest.some((c) => c.status === 'fail');
        lines.push(`<details${failing ? ' open' : ''}><summary>Per request</summary>`, '', ...table(perRequest, true), '', '</details>', '');
    }
    const failures = o.failures;
    if (failures.length > 0) {
        const total = failures.reduce((a, f) => a + f.count, 0);
        lines.push(`**Failures** (${total}, by reason)`, '', '| Request | Reason | Count | Sample |', '|---|---|---|---|');
        for (const f of failures.slice(0, 20)) {
            lines.push(`| \`${escapeText(f.request)}\` | ${escapeText(f.reason)} | ${f.count} | ${f.samples[0] ? `<code>${escapeText(f.samples[0])}</code>` : ''} |`);
        }
        if (failures.length > 20)
            lines.push(`| … | ${failures.length - 20} more reasons in failures.csv | | |`);
        lines.push('');
    }
    const t = results.target;
    if (t.cold_start_ms !== undefined) {
        lines.push(`Container \`${escapeText(t.image ?? '')}\`: healthy after ${t.cold_start_ms.toFixed(0)} ms, first prediction after ${t.first_prediction_ms?.toFixed(0) ?? 'n/a'} ms.` + (t.cpu_percent ? ` CPU mean ${t.cpu_percent.mean.toFixed(0)}% (peak ${t.cpu_percent.peak.toFixed(0)}%), memory mean ${t.memory_mb.mean.toFixed(0)} MB (peak ${t.memory_mb.peak.toFixed(0)} MB).` : ''), '');
    }
    const chart = latencyChart(results.series);
    if (chart.length > 0)
        lines.push('<details><summary>Latency over time</summary>', '', ...chart, '', '</details>', '');
    const footer = [];
    if (links.runUrl)
        footer.push(`[workflow run](${links.runUrl})`);
    if (links.artifactUrl)
        footer.push(`[results artifact](${links.artifactUrl})`);
    else if (links.resultsPath)
        footer.push(`results in \`${escapeText(links.resultsPath)}\``);
    if (results.load.model === 'open')
        footer.push('latency is coordinated-omission corrected (measured from each request\'s scheduled time)');
    lines.push(`<sub>${footer.join(' · ')}</sub>`);
    return lines.join('\n') + '\n';
}

// EXTERNAL MODULE: ./lib/src/scenario/parse.js + 2 modules
var parse = __webpack_require__(6115);
// EXTERNAL MODULE: ./lib/src/cli/errors.js
var errors = __webpack_require__(9756);
;// CONCATENATED MODULE: ./lib/src/cli/gate-commands.js








/** `mlload baseline <results.json>... --out <baseline.json>` */
function baselineCommand(args, io) {
    const { values, positionals } = (0,external_node_util_.parseArgs)({ args, allowPositionals: true, strict: true, options: { out: { type: 'string' } } });
    if (positionals.length === 0)
        throw new errors/* UsageError */.e('baseline takes one or more results.json files');
    if (!values.out)
        throw new errors/* UsageError */.e('baseline needs --out <baseline.json>');
    const runs = positionals.map(readResults);
    let baseline;
    try {
        baseline = buildBaseline(runs);
    }
    catch (err) {
        throw new errors/* UsageError */.e(err.message);
    }
    writeBaseline(values.out, baseline);
    const o = baseline.overall;
    io.out(`Wrote ${values.out}: ${baseline.runs} run(s), ${o.count} requests, p50 ${o.latency_ms.p50} ms, p95 ${o.latency_ms.p95} ms, p99 ${o.latency_ms.p99} ms, ${o.rps} req/s, error rate ${(o.error_rate * 100).toFixed(2)}%`);
    return errors/* EXIT */.d.ok;
}
/** `mlload compare <results.json> --baseline <baseline.json> [--scenario FILE] [--markdown FILE]` */
function compareCommand(args, io) {
    const { values, positionals } = (0,external_node_util_.parseArgs)({
        args,
        allowPositionals: true,
        strict: true,
        options: { baseline: { type: 'string' }, scenario: { type: 'string' }, markdown: { type: 'string' } },
    });
    if (positionals.length !== 1)
        throw new errors/* UsageError */.e('compare takes one results.json');
    if (!values.baseline)
        throw new errors/* UsageError */.e('compare needs --baseline <baseline.json>');
    const results = readResults(positionals[0]);
    const scenario = (0,parse/* loadScenario */.d)(values.scenario ?? results.scenario.file);
    const baseline = readBaseline(values.baseline);
    const verdict = (0,gate_verdict/* judge */.S4)(results, scenario, baseline);
    io.out(`${verdict.status.toUpperCase()}: ${verdict.headline}`);
    for (const n of verdict.notices)
        io.out(`note: ${n}`);
    io.out((0,console/* checksTable */.Et)(verdict.checks));
    if (values.markdown)
        (0,external_node_fs_.writeFileSync)(values.markdown, markdownReport(results, verdict));
    return verdict.status === 'fail' ? errors/* EXIT */.d.fail : errors/* EXIT */.d.ok;
}


/***/ })

};
