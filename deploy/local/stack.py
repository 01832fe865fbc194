#!/usr/bin/env python3
"""Local process supervisor for Tremplin: Kafka (KRaft), FerretDB and the Python services.

Standard library only; runs with the system ``python3`` (3.11+), from any directory. This file
is the command line; the work is in ``stacklib/`` (settings, probes, prepare, web assets,
processes, supervision, logs).

    python3 deploy/local/stack.py prepare            # Kafka jars, FerretDB, Chromium, web assets,
                                                     # the local OpenID provider's npm package
    python3 deploy/local/stack.py up [--infra-only]  # start what is not running, wait until ready
    python3 deploy/local/stack.py down               # stop what this project started (pid files)
    python3 deploy/local/stack.py run                # up + follow all logs; Ctrl-C = down
    python3 deploy/local/stack.py status             # running? pid, port, ready?
    python3 deploy/local/stack.py clean              # down + delete .local/data
    python3 deploy/local/stack.py with-infra -- CMD  # infra up, CMD, stop only what we started

Everything at run time lives under ``<repo>/.local`` (or ``$TREMPLIN_LOCAL_DIR``):
``kafka/libs`` (jars), ``bin/ferretdb``, ``data/{kafka,ferretdb}``, ``log/<name>.log``,
``run/<name>.pid``.

Environment: KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093), FERRETDB_PORT (27017),
SERVICE_PORT_BASE (8000: the gateway's port, the other services' follow; the services and CMD of
``with-infra`` get the matching *_URL variables), OIDC_PROVIDER_PORT (8010: the local OpenID
provider, started with the services; see oidc_provider.py), TREMPLIN_LOCAL_DIR (.local),
TOPIC_PARTITIONS (6, passed to the topics hook),
KAFKA_LOG_LEVEL (WARN), FERRETDB_LOG_LEVEL (warn), KAFKA_HEAP_OPTS (-Xms256m -Xmx512m),
JAVA_HOME (java from PATH otherwise).

Exit codes: 0 success; 1 a step failed (message on stderr names the port and log file);
2 usage error; 3 ``status`` found something not running or not ready;
``with-infra`` returns CMD's exit code (127 if CMD cannot be started, 128+N if killed by signal N).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time

from stacklib.console import fmt_secs, rel, say, stack_lock, warn
from stacklib.logs import LogFollower
from stacklib.prepare import prepare
from stacklib.probes import port_open
from stacklib.procs import all_procs, infra_procs, service_urls
from stacklib.settings import (
    DATA,
    DEVELOPMENT_VARIABLE,
    FERRETDB_BIN,
    KAFKA_BOOTSTRAP,
    KAFKA_LIBS,
    LOCAL,
    LOG_DIR,
    MONGO_URL,
    OIDC_PROVIDER_PORT,
    StackError,
)
from stacklib.supervise import Stop, UpResult, down, print_table, raise_stop, stop, up
from stacklib.web_assets import WEB, prepare_web


# --------------------------------------------------------------------------------------
# Commands
# --------------------------------------------------------------------------------------
def cmd_prepare(_args) -> int:
    say(
        f"prepare: Kafka jars and FerretDB binary under {LOCAL}, Chromium, web assets in {rel(WEB)}"
    )
    prepare_web()
    prepare()
    return 0


def cmd_up(args) -> int:
    t0 = time.monotonic()
    say(f"up: {'infrastructure only' if args.infra_only else 'infrastructure and services'}")
    up(args.infra_only)
    say(f"up: everything ready in {fmt_secs(time.monotonic() - t0)}")
    print_table(infra_procs() if args.infra_only else all_procs())
    say(f"  export KAFKA_BOOTSTRAP_SERVERS={KAFKA_BOOTSTRAP} MONGO_URL={MONGO_URL}")
    return 0


def cmd_down(_args) -> int:
    t0 = time.monotonic()
    say("down:")
    down()
    say(f"down: done in {fmt_secs(time.monotonic() - t0)}")
    return 0


def cmd_status(_args) -> int:
    rows = [("NAME", "STATE", "PID", "PORT", "READY", "LOG")]
    all_ok = True
    for p in all_procs():
        raw_pid = p.read_pid()
        pid = p.running_pid()
        if pid is None:
            state, ready = "stopped", "-"
            if raw_pid is not None:
                state = f"stopped (stale pid file: pid {raw_pid} gone or not ours)"
            if port_open(p.port):
                state = "port busy (not ours)"
            all_ok = False
        else:
            ok = p.ready()
            state, ready = "running", "yes" if ok else "no"
            all_ok = all_ok and ok
        rows.append((p.name, state, str(pid or "-"), str(p.port), ready, rel(p.log)))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        say("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    return 0 if all_ok else 3


def cmd_clean(_args) -> int:
    say("clean:")
    down()
    shutil.rmtree(DATA, ignore_errors=True)
    say(f"  removed {rel(DATA)} (jars in {rel(KAFKA_LIBS)} and {rel(FERRETDB_BIN)} kept)")
    return 0


def cmd_run(args) -> int:
    procs = infra_procs() if args.infra_only else all_procs()
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    offsets = {}
    for p in procs:
        try:
            offsets[p.name] = p.log.stat().st_size
        except FileNotFoundError:
            offsets[p.name] = 0
    old_int = signal.signal(signal.SIGINT, raise_stop)
    old_term = signal.signal(signal.SIGTERM, raise_stop)
    rc = 0
    follower: LogFollower | None = None
    try:
        try:
            up(args.infra_only)
            say("run: everything ready; following logs (Ctrl-C or SIGTERM stops everything)")
            print_table(procs)
            follower = LogFollower(procs, offsets)
            follower.follow()
        except StackError as e:
            warn(f"stack.py run: {e}")
            rc = 1
        except (Stop, KeyboardInterrupt):
            pass
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        say("\nrun: stopping everything ...")
        down()
        if follower is not None:
            with contextlib.suppress(OSError):
                follower.pump()  # the shutdown lines
            follower.close()
        say("run: stopped")
        signal.signal(signal.SIGINT, old_int)
        signal.signal(signal.SIGTERM, old_term)
    return rc


def cmd_with_infra(args) -> int:
    cmd = list(args.cmd)
    if cmd and cmd[0] == "--":
        cmd = cmd[1:]
    if not cmd:
        warn("stack.py with-infra: no command given (usage: with-infra -- CMD [ARGS...])")
        return 2
    if "/" not in cmd[0] and shutil.which(cmd[0]) is None:
        warn(f"stack.py with-infra: command not found: {cmd[0]!r}")
        return 127
    result = UpResult([], [])
    old_int = signal.signal(signal.SIGINT, raise_stop)
    old_term = signal.signal(signal.SIGTERM, raise_stop)
    rc = 1
    try:
        try:
            up(infra_only=not args.services, result=result)
        except (Stop, KeyboardInterrupt):
            warn("stack.py with-infra: interrupted while starting the infrastructure")
            return 130
        except StackError as e:
            warn(f"stack.py with-infra: {e}")
            return 1
        finally:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
        env = dict(os.environ)
        addresses = {p.name: p.address for p in result.started + result.already}
        env["KAFKA_BOOTSTRAP_SERVERS"] = addresses.get("kafka", KAFKA_BOOTSTRAP)
        env["MONGO_URL"] = addresses.get("ferretdb", MONGO_URL)
        env["OIDC_PROVIDER_PORT"] = str(OIDC_PROVIDER_PORT)
        env.update(service_urls())
        # What runs beside the local stack (tests, benches, the chaos run) signs as it does.
        env.setdefault(DEVELOPMENT_VARIABLE, "true")
        try:
            child = subprocess.Popen(cmd, env=env, preexec_fn=_default_signals)
        except OSError as e:
            warn(f"stack.py with-infra: cannot run {cmd[0]!r}: {e}")
            return 127
        # Ctrl-C reaches CMD directly (same process group); forward SIGTERM to it.
        signal.signal(signal.SIGTERM, lambda s, f: child.send_signal(signal.SIGTERM))
        code = child.wait()
        rc = 128 - code if code < 0 else code
        return rc
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if result.started:
            names = ", ".join(p.name for p in result.started)
            say(f"with-infra: stopping what it started ({names}) ...")
            with stack_lock():
                stop(result.started, quiet=True)
        if result.already:
            say(f"with-infra: left running: {', '.join(p.name for p in result.already)}")
        signal.signal(signal.SIGINT, old_int)
        signal.signal(signal.SIGTERM, old_term)


def _default_signals() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="stack.py",
        description="Run Tremplin locally: Kafka, FerretDB and the Python services.",
        epilog=f"Runtime files: {LOCAL}",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, what, func, infra_only in (
        (
            "prepare",
            "fetch Kafka jars, build FerretDB, install Chromium and web assets (cached)",
            cmd_prepare,
            False,
        ),
        ("up", "start everything not running and wait until ready", cmd_up, True),
        ("down", "stop the processes this project started", cmd_down, False),
        ("run", "up, then follow all logs until Ctrl-C, then down", cmd_run, True),
        ("status", "show what runs (exit 3 if something is down)", cmd_status, False),
        ("clean", "down, then delete .local/data (keeps jars and binaries)", cmd_clean, False),
    ):
        command = sub.add_parser(name, help=what)
        if infra_only:
            command.add_argument(
                "--infra-only", action="store_true", help="Kafka and FerretDB only, no services"
            )
        command.set_defaults(func=func)
    p_with = sub.add_parser(
        "with-infra", help="start Kafka+FerretDB if needed, run CMD, stop what was started"
    )
    p_with.add_argument(
        "--services",
        action="store_true",
        help="start the services too (for end-to-end tests); stop only what was started",
    )
    p_with.add_argument("cmd", nargs=argparse.REMAINDER, help="-- CMD [ARGS...]")
    p_with.set_defaults(func=cmd_with_infra)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except StackError as e:
        warn(f"stack.py {args.command}: {e}")
        return 1
    except KeyboardInterrupt:
        warn(f"stack.py {args.command}: interrupted")
        return 130
    except BrokenPipeError:  # e.g. `stack.py status | head -3`
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 (for the interpreter's final flush)
        return 1


if __name__ == "__main__":
    sys.exit(main())
