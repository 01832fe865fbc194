"""Starting what is not running, waiting until ready, stopping only what is ours."""

from __future__ import annotations

import contextlib
import os
import signal
import string
import subprocess
import time
from dataclasses import dataclass

from stacklib.console import fmt_secs, log_path, rel, say, stack_lock, tail, warn
from stacklib.prepare import java_bin, prepare
from stacklib.probes import port_open, proc_alive, proc_cmdline
from stacklib.procs import Proc, infra_procs, provider_procs, service_procs
from stacklib.settings import (
    FERRETDB_DATA,
    KAFKA_BOOTSTRAP,
    KAFKA_CONTROLLER_PORT,
    KAFKA_DATA,
    KAFKA_FORMAT_INFO,
    KAFKA_LIBS,
    KAFKA_LOG4J,
    KAFKA_PORT,
    KAFKA_PROPS,
    KAFKA_PROPS_TEMPLATE,
    LOG_DIR,
    LOG_TAIL_LINES,
    REPO,
    RUN_DIR,
    TOPICS_HOOK_TIMEOUT,
    VENV_PYTHON,
    VENV_UVICORN,
    StackError,
)
from stacklib.web_assets import prepare_oidc_provider


# --------------------------------------------------------------------------------------
# Starting
# --------------------------------------------------------------------------------------
def render_kafka_props() -> None:
    text = string.Template(KAFKA_PROPS_TEMPLATE.read_text()).substitute(
        KAFKA_PORT=KAFKA_PORT,
        KAFKA_CONTROLLER_PORT=KAFKA_CONTROLLER_PORT,
        KAFKA_DATA_DIR=str(KAFKA_DATA),
    )
    KAFKA_PROPS.parent.mkdir(parents=True, exist_ok=True)
    tmp = KAFKA_PROPS.with_suffix(".tmp")
    tmp.write_text(text)
    tmp.replace(KAFKA_PROPS)


def format_kafka_storage() -> None:
    """Format the KRaft log dir once (standalone controller quorum of this one node)."""
    if (KAFKA_DATA / "meta.properties").exists():
        if KAFKA_FORMAT_INFO.exists():
            formatted_for = KAFKA_FORMAT_INFO.read_text().strip()
            if formatted_for != str(KAFKA_CONTROLLER_PORT):
                raise StackError(
                    f"{rel(KAFKA_DATA)} was formatted for KAFKA_CONTROLLER_PORT={formatted_for}, "
                    f"now {KAFKA_CONTROLLER_PORT}. Use the old port or run `stack.py clean` "
                    "(deletes local data)."
                )
        return
    KAFKA_DATA.mkdir(parents=True, exist_ok=True)
    java = java_bin()
    cp = f"{KAFKA_LIBS}/*"
    log4j = [
        f"-Dlog4j2.configurationFile={KAFKA_LOG4J}",
        f"-Dtremplin.kafka.log.file={log_path('kafka')}",
    ]
    uuid = subprocess.run(
        [java, *log4j, "-cp", cp, "kafka.tools.StorageTool", "random-uuid"],
        capture_output=True,
        text=True,
    )
    cluster_id = uuid.stdout.strip().splitlines()[-1] if uuid.stdout.strip() else ""
    if uuid.returncode != 0 or not cluster_id:
        raise StackError(f"kafka.tools.StorageTool random-uuid failed:\n{uuid.stdout}{uuid.stderr}")
    fmt = subprocess.run(
        [
            java,
            *log4j,
            "-cp",
            cp,
            "kafka.tools.StorageTool",
            "format",
            "--standalone",
            "-t",
            cluster_id,
            "-c",
            str(KAFKA_PROPS),
            "--ignore-formatted",
        ],
        capture_output=True,
        text=True,
    )
    if fmt.returncode != 0:
        raise StackError(
            f"Formatting Kafka storage in {rel(KAFKA_DATA)} failed:\n{fmt.stdout}{fmt.stderr}"
        )
    KAFKA_FORMAT_INFO.write_text(f"{KAFKA_CONTROLLER_PORT}\n")
    say(f"  kafka: formatted {rel(KAFKA_DATA)} (cluster id {cluster_id})")


def check_ports_free(p: Proc) -> None:
    ports = [(p.port, p.port_env)]
    if p.name == "kafka":
        ports.append((KAFKA_CONTROLLER_PORT, "KAFKA_CONTROLLER_PORT"))
    for port, var in ports:
        if port_open(port):
            how = f"set {var or 'SERVICE_PORT_BASE'}"
            raise StackError(
                f"{p.name}: port {port} is already in use by a process this project did not start "
                f"(no valid {rel(p.pidfile)}). Stop it (see `ss -ltnp 'sport = :{port}'`) or {how}."
            )


class Stop(Exception):
    """Raised by the SIGINT/SIGTERM handler of `run` and `with-infra`."""


_critical = 0  # > 0 while a child is started but its pid file not yet written
_deferred: list[int] = []


def raise_stop(signum: int, _frame: object) -> None:
    if _critical:
        _deferred.append(signum)  # raised once the pid file exists (see spawn)
        return
    raise Stop(signum)


def spawn(p: Proc) -> int:
    """Start p in the background (own session), log to .local/log/<name>.log, write pid file."""
    global _critical
    _critical += 1
    try:
        return _spawn(p)
    finally:
        _critical -= 1
        if not _critical and _deferred:
            raise Stop(_deferred.pop())


def _spawn(p: Proc) -> int:
    check_ports_free(p)
    if p.name == "kafka":
        render_kafka_props()
        format_kafka_storage()
    elif p.name == "ferretdb":
        FERRETDB_DATA.mkdir(parents=True, exist_ok=True)
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    argv = p.argv()
    with open(p.log, "ab") as out:
        out.write(
            f"\n===== stack.py: starting {p.name} at {time.strftime('%Y-%m-%d %H:%M:%S')}: "
            f"{' '.join(argv)}\n".encode()
        )
        out.flush()
        popen = subprocess.Popen(
            argv,
            cwd=REPO,
            env=p.env(),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    p.popen = popen
    p.pidfile.write_text(f"{popen.pid}\nport={p.port}\n")
    return popen.pid


def wait_ready(p: Proc, pid: int, started_by_us: bool) -> float:
    t0 = time.monotonic()
    deadline = t0 + p.ready_timeout
    while True:
        if p.ready():
            return time.monotonic() - t0
        if not proc_alive(pid):
            code = None
            if p.popen is not None:
                # Reaped here: a zombie's code can take a moment to come through poll().
                with contextlib.suppress(subprocess.TimeoutExpired):
                    code = p.popen.wait(timeout=2.0)
            how = f" (exit code {code})" if code is not None else ""
            p.pidfile.unlink(missing_ok=True)
            raise StackError(
                f"{p.name} (pid {pid}, port {p.port}) exited before it was ready{how}.\n"
                f"Last {LOG_TAIL_LINES} lines of {p.log}:\n{tail(p.log)}"
            )
        if time.monotonic() > deadline:
            raise StackError(
                f"{p.name} (pid {pid}) not ready on port {p.port} after {p.ready_timeout:.0f}s "
                f"(waited for {p.ready_what()}). Read {p.log}\n"
                f"Last {LOG_TAIL_LINES} lines of {p.log}:\n{tail(p.log)}"
            )
        time.sleep(0.25)


def venv_module_present(module: str) -> bool:
    if not VENV_PYTHON.exists():
        return False
    code = (
        "import importlib.util, sys\n"
        f"try:\n    ok = importlib.util.find_spec({module!r}) is not None\n"
        "except Exception:\n    ok = False\nsys.exit(0 if ok else 1)"
    )
    return (
        subprocess.run([str(VENV_PYTHON), "-c", code], cwd=REPO, capture_output=True).returncode
        == 0
    )


def topics_hook() -> None:
    """Create the project's topics with `python -m servicekit.topics` from the venv, if present."""
    if not venv_module_present("servicekit.topics"):
        why = (
            "no .venv/bin/python"
            if not VENV_PYTHON.exists()
            else "module servicekit.topics not importable"
        )
        say(f"  kafka: topics hook skipped ({why})")
        return
    env = dict(os.environ)
    env["KAFKA_BOOTSTRAP_SERVERS"] = KAFKA_BOOTSTRAP
    env.setdefault("TOPIC_PARTITIONS", "6")
    # An erasure leaves the compacted topics within seconds here (an hour by default), so that
    # the end-to-end tests can see it happen.
    env.setdefault("KAFKA_ERASURE_LAG_MS", "5000")
    t0 = time.monotonic()
    hook_log = LOG_DIR / "topics.log"
    with open(hook_log, "ab") as out:
        out.write(
            f"\n===== stack.py: topics hook at {time.strftime('%Y-%m-%d %H:%M:%S')}\n".encode()
        )
        out.flush()
        try:
            rc = subprocess.call(
                [str(VENV_PYTHON), "-m", "servicekit.topics"],
                cwd=REPO,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=TOPICS_HOOK_TIMEOUT,
            )
        except subprocess.TimeoutExpired:
            rc = None
    if rc != 0:
        what = f"timed out after {TOPICS_HOOK_TIMEOUT:.0f}s" if rc is None else f"exited {rc}"
        raise StackError(
            f"Topics hook `.venv/bin/python -m servicekit.topics` {what} "
            f"(Kafka on port {KAFKA_PORT}). Output in {hook_log}:\n{tail(hook_log)}"
        )
    say(f"  kafka: topics ensured by servicekit.topics in {fmt_secs(time.monotonic() - t0)}")


def check_services_importable(procs: list[Proc]) -> None:
    if not VENV_UVICORN.exists():
        raise StackError(
            f"{rel(VENV_UVICORN)} not found: create the project's virtualenv first "
            f"(or use `up --infra-only`)."
        )
    modules = [p.module.split(":")[0] for p in procs]
    code = (
        "import importlib.util, sys\nbad = []\n"
        f"for m in {modules!r}:\n"
        "    try:\n        ok = importlib.util.find_spec(m) is not None\n"
        "    except Exception:\n        ok = False\n"
        "    if not ok:\n        bad.append(m)\n"
        "print(' '.join(bad))\nsys.exit(1 if bad else 0)"
    )
    res = subprocess.run([str(VENV_PYTHON), "-c", code], cwd=REPO, capture_output=True, text=True)
    if res.returncode != 0:
        missing = res.stdout.strip() or res.stderr.strip()
        raise StackError(
            f"Service module(s) not importable from {rel(VENV_PYTHON)}: {missing}. "
            f"Install the workspace into .venv (or use `up --infra-only`)."
        )


@dataclass
class UpResult:
    started: list[Proc]
    already: list[Proc]


def ensure_running(procs: list[Proc], result: UpResult) -> None:
    """Start those of procs not running, then wait until all are ready."""
    pending: list[tuple[Proc, int, bool]] = []
    for p in procs:  # fail before starting anything if a port is taken by a stranger
        if p.running_pid() is None:
            check_ports_free(p)
    for p in procs:
        pid = p.running_pid()
        if pid is not None:
            result.already.append(p)
            pending.append((p, pid, False))
        else:
            result.started.append(p)  # before spawn: an interrupted start is still stopped
            pid = spawn(p)
            say(f"  {p.name}: started (pid {pid}), waiting for {p.ready_what()} ...")
            pending.append((p, pid, True))
    for p, pid, ours in pending:
        try:
            secs = wait_ready(p, pid, ours)
        except StackError:
            if ours:
                stop([p], quiet=True)  # do not leave a half-started process behind
            raise
        if ours:
            say(f"  {p.name}: ready in {fmt_secs(secs)}")
        else:
            say(f"  {p.name}: already running (pid {pid}), ready")


def up(infra_only: bool, result: UpResult | None = None) -> UpResult:
    result = result or UpResult([], [])
    prepare(verbose=False)
    services = [] if infra_only else service_procs()
    if services:
        check_services_importable([p for p in services if p.running_pid() is None])
        prepare_oidc_provider()
    with stack_lock():
        ensure_running(infra_procs(), result)
        topics_hook()
        if services:
            ensure_running(provider_procs() + services, result)
    return result


def print_table(procs: list[Proc]) -> None:
    rows = [("NAME", "PID", "ADDRESS", "LOG")]
    for p in procs:
        pid = p.running_pid()
        rows.append((p.name, str(pid) if pid else "-", p.address, rel(p.log)))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for r in rows:
        say("  " + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())


# --------------------------------------------------------------------------------------
# Stopping
# --------------------------------------------------------------------------------------
def _signal(pid: int, sig: int) -> None:
    """Signal our process; its whole process group if it leads one (start_new_session)."""
    try:
        if os.getpgid(pid) == pid:
            os.killpg(pid, sig)
        else:
            os.kill(pid, sig)
    except ProcessLookupError:
        pass


def stop(procs: list[Proc], quiet: bool = False) -> None:
    """SIGTERM the given processes (verified by /proc cmdline), wait, then SIGKILL."""
    targets: list[tuple[Proc, int]] = []
    for p in procs:
        raw_pid = p.read_pid()
        pid = p.running_pid()  # verifies the cmdline; drops stale pid files
        if pid is None:
            if raw_pid is not None and not quiet:
                say(f"  {p.name}: stale pid file (pid {raw_pid} gone or not ours) removed")
            continue
        _signal(pid, signal.SIGTERM)
        targets.append((p, pid))
        if not quiet:
            say(f"  {p.name}: SIGTERM sent to pid {pid}")
    t0 = time.monotonic()
    for p, pid in targets:
        deadline = t0 + p.stop_timeout
        while proc_alive(pid) and time.monotonic() < deadline:
            if p.popen is not None:
                p.popen.poll()
            time.sleep(0.1)
        if proc_alive(pid):
            cmd = proc_cmdline(pid)
            if cmd is not None and p.matches(cmd):
                warn(
                    f"  {p.name}: still running after {p.stop_timeout:.0f}s, "
                    f"SIGKILL (see {rel(p.log)})"
                )
                _signal(pid, signal.SIGKILL)
                while proc_alive(pid) and time.monotonic() < deadline + 5:
                    time.sleep(0.1)
        if p.popen is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                p.popen.wait(timeout=1)
        p.pidfile.unlink(missing_ok=True)
        if not quiet:
            say(f"  {p.name}: stopped ({fmt_secs(time.monotonic() - t0)})")


def down() -> None:
    with stack_lock():
        stop(service_procs())
        stop(provider_procs())
        stop(infra_procs())
