export const id = 886;
export const ids = [886];
export const modules = {

/***/ 97886:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  startContainer: () => (/* binding */ startContainer)
});

// UNUSED EXPORTS: HOST_LABEL, LABEL, PID_LABEL, RUN_LABEL, containerEnv, freePort, removeLabelled, removeLeftovers, runArgs

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(77598);
// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(73024);
// EXTERNAL MODULE: external "node:net"
var external_node_net_ = __webpack_require__(77030);
// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __webpack_require__(48161);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(76760);
// EXTERNAL MODULE: external "node:perf_hooks"
var external_node_perf_hooks_ = __webpack_require__(643);
// EXTERNAL MODULE: external "node:timers/promises"
var promises_ = __webpack_require__(58500);
;// CONCATENATED MODULE: ./lib/src/pids.js
/** Whether a process of this machine is still running (one we may not signal is running too). */
function processAlive(pid) {
    try {
        process.kill(pid, 0);
        return true;
    }
    catch (err) {
        return err.code === 'EPERM';
    }
}

// EXTERNAL MODULE: external "node:child_process"
var external_node_child_process_ = __webpack_require__(31421);
;// CONCATENATED MODULE: ./lib/src/target/docker.js

/**
 * What the docker CLI needs of the environment, and nothing more: the action's inputs (its token
 * among them) and the runner's own tokens must not reach docker, nor through it a container.
 */
const DOCKER_ENV = [
    'PATH', 'HOME', 'USER', 'LANG', 'LC_ALL', 'TMPDIR', 'XDG_RUNTIME_DIR',
    'DOCKER_HOST', 'DOCKER_CONFIG', 'DOCKER_CONTEXT', 'DOCKER_CERT_PATH', 'DOCKER_TLS_VERIFY', 'DOCKER_API_VERSION',
    'SSL_CERT_FILE', 'SSL_CERT_DIR', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy',
];
function dockerEnv(from = process.env) {
    return Object.fromEntries(DOCKER_ENV.filter((k) => from[k] !== undefined).map((k) => [k, from[k]]));
}
/**
 * Runs the docker CLI with an argument array (never a shell) and a clean environment; rejects with
 * docker's own last lines of stderr, never the command line (it may hold values meant for the container).
 */
function docker_docker(args, timeoutMs = 120_000, signal) {
    return new Promise((resolve, reject) => {
        (0,external_node_child_process_.execFile)('docker', args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8', env: dockerEnv(), signal }, (err, stdout, stderr) => {
            if (err) {
                const e = err;
                const why = e.code === 'ENOENT'
                    ? 'the docker CLI is not installed'
                    : e.name === 'AbortError'
                        ? 'interrupted'
                        : stderr.trim()
                            ? stderr.trim().split('\n').slice(-3).join(' ')
                            : e.killed
                                ? `no answer within ${timeoutMs / 1000} s`
                                : `exited with code ${e.code ?? e.signal ?? 'unknown'} and printed nothing`;
                reject(new Error(`docker ${args[0]} failed: ${why}`));
            }
            else
                resolve(stdout);
        });
    });
}
/** Starts a long-running docker command (wait, stats) whose output is read as it comes. */
function dockerStream(args) {
    return (0,external_node_child_process_.spawn)('docker', args, { stdio: ['ignore', 'pipe', 'pipe'], env: dockerEnv() });
}
async function lastLogLines(id, lines = 30) {
    return new Promise((resolve) => {
        (0,external_node_child_process_.execFile)('docker', ['logs', '--tail', String(lines), id], { timeout: 10_000, encoding: 'utf8', env: dockerEnv() }, (_err, stdout, stderr) => {
            resolve(`${stdout ?? ''}${stderr ?? ''}`.trim());
        });
    });
}
async function inspectState(id) {
    const out = await docker_docker(['inspect', '--format', '{{json .State}}', id], 10_000);
    const s = JSON.parse(out);
    return { running: s.Running, exitCode: s.ExitCode, oomKilled: s.OOMKilled, health: s.Health?.Status ?? null, error: s.Error ?? '' };
}
/** "12.5%" → 12.5; "45.6MiB / 1GiB" → 45.6 (MB of the first figure). */
function parseStats(line) {
    const clean = line.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').trim();
    if (!clean.startsWith('{'))
        return null;
    try {
        const s = JSON.parse(clean);
        const cpu = Number.parseFloat(s.CPUPerc ?? '');
        const m = /^([\d.]+)\s*([KMGT]?i?B)/.exec(s.MemUsage ?? '');
        if (!Number.isFinite(cpu) || !m)
            return null;
        const unit = { B: 1 / 1048576, KiB: 1 / 1024, KB: 1 / 1048.576, MiB: 1, MB: 1 / 1.048576, GiB: 1024, GB: 1000 / 1.048576, TiB: 1048576 };
        return { cpu_percent: cpu, memory_mb: Math.round(Number(m[1]) * (unit[m[2]] ?? 1) * 10) / 10 };
    }
    catch {
        return null;
    }
}

// EXTERNAL MODULE: ./lib/src/target/probe.js
var probe = __webpack_require__(50156);
// EXTERNAL MODULE: ./lib/src/target/types.js
var types = __webpack_require__(97887);
;// CONCATENATED MODULE: ./lib/src/target/container.js











/** Every container we start carries this label; the run label tells one job's from another's. */
const LABEL = 'io.mlload.managed';
const RUN_LABEL = 'io.mlload.run';
/** The process that started a container, and on which machine: a container whose process is gone is left over. */
const PID_LABEL = 'io.mlload.pid';
const HOST_LABEL = 'io.mlload.host';
/** A free TCP port on 127.0.0.1, chosen by the kernel. */
function freePort() {
    return new Promise((resolve, reject) => {
        const srv = (0,external_node_net_.createServer)();
        srv.once('error', reject);
        srv.listen(0, '127.0.0.1', () => {
            const port = srv.address().port;
            srv.close(() => resolve(port));
        });
    });
}
/**
 * `docker run` arguments for a spec: an array, so nothing in the scenario reaches a shell. The
 * container's environment goes in a file (`envFile`), so no value shows in a process list or an error.
 */
function runArgs(spec, name, runLabel, hostPort, envFile) {
    const args = ['run', '--detach', '--name', name, '--label', `${LABEL}=true`, '--label', `${RUN_LABEL}=${runLabel}`];
    args.push('--label', `${PID_LABEL}=${process.pid}`, '--label', `${HOST_LABEL}=${(0,external_node_os_.hostname)()}`);
    if (spec.network === 'host')
        args.push('--network', 'host');
    else
        args.push('--publish', `127.0.0.1:${hostPort}:${spec.port}`);
    if (envFile)
        args.push('--env-file', envFile);
    args.push(...spec.args, spec.image);
    return args;
}
/** The container's environment: the scenario's `env`, and the chosen port in `port_env`. */
function containerEnv(spec, hostPort) {
    const env = { ...spec.env };
    if (spec.portEnv)
        env[spec.portEnv] = String(spec.network === 'host' ? hostPort : spec.port);
    return env;
}
/** Writes an env file readable by this user only; returns it and how to remove it. */
function writeEnvFile(env) {
    if (Object.keys(env).length === 0)
        return { file: null, remove: () => { } };
    const dir = (0,external_node_fs_.mkdtempSync)((0,external_node_path_.join)((0,external_node_os_.tmpdir)(), 'mlload-env-'));
    const file = (0,external_node_path_.join)(dir, 'env');
    (0,external_node_fs_.writeFileSync)(file, Object.entries(env).map(([k, v]) => `${k}=${v}\n`).join(''), { mode: 0o600 });
    return { file, remove: () => (0,external_node_fs_.rmSync)(dir, { recursive: true, force: true }) };
}
/**
 * Removes containers an earlier mlload on this machine started and could not remove (it was killed
 * with SIGKILL): left running, one could answer this run's health check in place of the new build.
 */
async function removeLeftovers(log) {
    const rows = (await docker_docker(['ps', '--all', '--filter', `label=${LABEL}=true`, '--format', `{{.ID}} {{.Label "${PID_LABEL}"}} {{.Label "${HOST_LABEL}"}} {{.Names}}`], 30_000))
        .split('\n')
        .filter(Boolean)
        .map((line) => line.split(' '));
    const left = rows.filter(([, pid, host]) => host === (0,external_node_os_.hostname)() && Number(pid) > 0 && Number(pid) !== process.pid && !processAlive(Number(pid)));
    if (left.length === 0)
        return;
    await docker_docker(['rm', '--force', ...left.map(([id]) => id)], 60_000);
    log(`removed ${left.length} container(s) left by an earlier run that was killed: ${left.map((r) => r[3]).join(', ')}`);
}
async function ensureImage(image, pull, log, signal) {
    let present = true;
    try {
        await docker_docker(['image', 'inspect', '--format', '{{.Id}}', image], 30_000, signal);
    }
    catch {
        present = false;
    }
    if (signal?.aborted)
        throw new types/* TargetError */.I(`interrupted before ${image} started`);
    if (pull === 'always' || (pull === 'missing' && !present)) {
        log(`pulling ${image}`);
        try {
            await docker_docker(['pull', image], 600_000, signal);
        }
        catch (err) {
            throw new types/* TargetError */.I(`cannot pull image ${image}: ${err.message}`);
        }
    }
    else if (!present)
        throw new types/* TargetError */.I(`image ${image} is not present and pull is "never"`);
}
async function imageDigest(image) {
    try {
        const out = await docker_docker(['image', 'inspect', '--format', '{{json .RepoDigests}} {{.Id}}', image], 10_000);
        const [digests, id] = out.trim().split(' ');
        const repo = JSON.parse(digests ?? '[]')[0];
        return repo ?? id;
    }
    catch {
        return undefined;
    }
}
async function describeExit(id) {
    try {
        const s = await inspectState(id);
        return `exited with code ${s.exitCode}${s.oomKilled ? ' (OOM-killed: out of memory)' : ''}${s.error ? `: ${s.error}` : ''}`;
    }
    catch {
        return 'is gone';
    }
}
/** Starts the image, waits until it is healthy, and watches it (exit, CPU, memory) until stopped. */
async function startContainer(spec, options = {}) {
    const log = options.log ?? (() => { });
    const signal = options.signal;
    await removeLeftovers(log).catch(() => { });
    await ensureImage(spec.image, spec.pull, log, signal);
    const fixedPort = spec.network === 'host' && !spec.portEnv;
    const hostPort = fixedPort ? spec.port : await freePort();
    const name = `mlload-${(0,external_node_crypto_.randomBytes)(4).toString('hex')}`;
    const origin = `http://127.0.0.1:${hostPort}`;
    // On the host network with a fixed port, whatever already listens there would answer for the new build.
    if (fixedPort && (await (0,probe/* tcpProbe */.MK)('127.0.0.1', hostPort, 1000)) === null) {
        throw new types/* TargetError */.I(`port ${hostPort} on 127.0.0.1 already has a server, which would answer in place of ${spec.image}: stop it, or give \`port_env\` so mlload picks a free port`);
    }
    const t0 = external_node_perf_hooks_.performance.now();
    let id;
    const envFile = writeEnvFile(containerEnv(spec, hostPort));
    try {
        id = (await docker_docker(runArgs(spec, name, options.runLabel ?? 'cli', hostPort, envFile.file), 60_000, signal)).trim();
    }
    catch (err) {
        await docker_docker(['rm', '--force', name], 30_000).catch(() => '');
        if (signal?.aborted)
            throw new types/* TargetError */.I(`interrupted while starting ${spec.image}`);
        throw new types/* TargetError */.I(`cannot start ${spec.image}: ${err.message}`);
    }
    finally {
        envFile.remove();
    }
    log(`started container ${name} from ${spec.image} on ${origin}`);
    let stopped = false;
    const remove = async () => {
        if (stopped)
            return;
        stopped = true;
        await docker_docker(['rm', '--force', id], 30_000).catch(() => '');
    };
    // Exit watcher: `docker wait` returns when the container stops, for whatever reason.
    const waiter = dockerStream(['wait', id]);
    const exited = new Promise((resolve) => waiter.on('close', () => resolve('exited')));
    try {
        await waitReady(spec, id, origin, t0, exited, options.signal);
    }
    catch (err) {
        const logs = await lastLogLines(id);
        waiter.kill('SIGKILL');
        await remove();
        throw err instanceof types/* TargetError */.I ? new types/* TargetError */.I(err.message, logs) : err;
    }
    const coldStart = external_node_perf_hooks_.performance.now() - t0;
    log(`${spec.image} healthy after ${Math.round(coldStart)} ms`);
    let firstPrediction;
    const cpu = [];
    const memory = [];
    let latest = null;
    const stats = dockerStream(['stats', '--format', '{{json .}}', id]);
    let buffered = '';
    stats.stdout.on('data', (chunk) => {
        buffered += chunk.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) {
            const s = parseStats(line);
            if (s)
                latest = s;
        }
    });
    const failure = exited.then(async () => {
        if (stopped)
            return new Promise(() => { });
        const why = await describeExit(id);
        const logs = await lastLogLines(id);
        throw new types/* TargetError */.I(`container ${name} (${spec.image}) ${why} during the run`, logs);
    });
    failure.catch(() => { });
    const digest = await imageDigest(spec.image);
    const runStart = external_node_perf_hooks_.performance.now();
    return {
        origin,
        failure,
        sample() {
            if (!latest)
                return null;
            cpu.push(latest.cpu_percent);
            memory.push(latest.memory_mb);
            return latest;
        },
        firstPrediction(atMs) {
            // The engine's clock starts with the load; cold start counts from `docker run`.
            if (firstPrediction === undefined)
                firstPrediction = runStart - t0 + atMs;
        },
        figures() {
            const f = { kind: 'container', url: origin, image: spec.image, cold_start_ms: Math.round(coldStart) };
            if (digest)
                f.image_digest = digest;
            if (firstPrediction !== undefined)
                f.first_prediction_ms = Math.round(firstPrediction);
            if (cpu.length > 0) {
                f.cpu_percent = { mean: round1(mean(cpu)), peak: round1(Math.max(...cpu)) };
                f.memory_mb = { mean: round1(mean(memory)), peak: round1(Math.max(...memory)) };
            }
            return f;
        },
        async stop() {
            // docker stats ignores SIGTERM while it streams.
            stats.kill('SIGKILL');
            waiter.kill('SIGKILL');
            await remove();
        },
    };
}
async function waitReady(spec, id, origin, t0, exited, signal) {
    const deadline = t0 + spec.health.timeoutMs;
    let gone = false;
    void exited.then(() => (gone = true));
    const abort = new AbortController();
    void exited.then(() => abort.abort());
    signal?.addEventListener('abort', () => abort.abort(), { once: true });
    const health = spec.health.path
        ? (0,probe/* waitForHealth */.tm)(`${origin}${spec.health.path}`, deadline, spec.health.intervalMs, () => external_node_perf_hooks_.performance.now(), abort.signal)
        : Promise.resolve({ ok: true, last: '' });
    const result = await health;
    if (signal?.aborted)
        throw new types/* TargetError */.I(`interrupted while waiting for ${spec.image} to become healthy`);
    if (gone)
        throw new types/* TargetError */.I(`container from ${spec.image} ${await describeExit(id)} before it became healthy`);
    if (!result.ok)
        throw new types/* TargetError */.I(`${spec.image} did not become healthy within ${spec.health.timeoutMs / 1000} s: ${origin}${spec.health.path} last answered ${result.last}`);
    // An image's own HEALTHCHECK is honoured too.
    while (external_node_perf_hooks_.performance.now() < deadline) {
        if (signal?.aborted)
            throw new types/* TargetError */.I(`interrupted while waiting for ${spec.image} to become healthy`);
        const state = await inspectState(id);
        if (!state.running)
            throw new types/* TargetError */.I(`container from ${spec.image} ${await describeExit(id)} before it became healthy`);
        if (state.health === null || state.health === 'healthy')
            return;
        await (0,promises_.setTimeout)(250);
    }
    throw new types/* TargetError */.I(`${spec.image} did not report healthy (its HEALTHCHECK) within ${spec.health.timeoutMs / 1000} s`);
}
/** Removes every container of a run label (the action's post step, after a cancel). */
async function removeLabelled(runLabel) {
    const ids = (await docker(['ps', '--all', '--quiet', '--filter', `label=${RUN_LABEL}=${runLabel}`], 30_000)).split('\n').filter(Boolean);
    if (ids.length > 0)
        await docker(['rm', '--force', ...ids], 60_000);
    return ids.length;
}
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const round1 = (x) => Math.round(x * 10) / 10;


/***/ })

};
