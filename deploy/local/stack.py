#!/usr/bin/env python3
"""Local process supervisor for Tremplin: Kafka (KRaft), FerretDB and the Python services.

Standard library only; runs with the system ``python3`` (3.11+), from any directory.

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
import fcntl
import hashlib
import json
import os
import shutil
import signal
import socket
import string
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import oidc_provider

# --------------------------------------------------------------------------------------
# The Python services: (name, ASGI app, port offset from SERVICE_PORT_BASE). The one place to edit.
# --------------------------------------------------------------------------------------
SERVICES: list[tuple[str, str, int]] = [
    ("gateway", "gateway.main:app", 0),
    ("profiles", "profiles.main:app", 1),
    ("offers", "offers.main:app", 2),
    ("recommender", "recommender.main:app", 3),
    ("notifier", "notifier.main:app", 4),
    ("companies", "companies.main:app", 5),
    ("trainings", "trainings.main:app", 6),
]
# Who reads the address of which service: the services' own settings, the end-to-end tests and
# benchmarks (GATEWAY_URL), the operator's CLI (TREMPLIN_<SERVICE>_URL).
SERVICE_URL_VARIABLES: dict[str, tuple[str, ...]] = {
    "gateway": ("GATEWAY_URL", "TREMPLIN_GATEWAY_URL"),
    "profiles": ("GATEWAY_PROFILES_URL", "NOTIFIER_PROFILES_URL", "TREMPLIN_PROFILES_URL"),
    "offers": ("GATEWAY_OFFERS_URL", "TREMPLIN_OFFERS_URL"),
    "recommender": ("GATEWAY_RECOMMENDER_URL", "TREMPLIN_RECOMMENDER_URL"),
    "notifier": ("GATEWAY_NOTIFIER_URL", "TREMPLIN_NOTIFIER_URL"),
    "companies": ("GATEWAY_COMPANIES_URL", "NOTIFIER_COMPANIES_URL", "TREMPLIN_COMPANIES_URL"),
    "trainings": ("GATEWAY_TRAININGS_URL", "TREMPLIN_TRAININGS_URL"),
}
SERVICE_READY_PATH = "/health/ready"

# Time limits (seconds).
KAFKA_READY_TIMEOUT = 120.0
FERRETDB_READY_TIMEOUT = 60.0
SERVICE_READY_TIMEOUT = 60.0
TOPICS_HOOK_TIMEOUT = 180.0
STOP_TIMEOUT = 15.0
KAFKA_STOP_TIMEOUT = 20.0
LOG_TAIL_LINES = 30

# --------------------------------------------------------------------------------------
# Paths
# --------------------------------------------------------------------------------------
HERE = Path(__file__).resolve().parent  # <repo>/deploy/local
REPO = HERE.parent.parent
LOCAL = Path(os.environ.get("TREMPLIN_LOCAL_DIR") or REPO / ".local").expanduser().resolve()

KAFKA_POM = HERE / "kafka" / "pom.xml"
KAFKA_PROPS_TEMPLATE = HERE / "kafka" / "server.properties.template"
KAFKA_LOG4J = HERE / "kafka" / "log4j2.properties"
FERRETDB_SRC = HERE / "ferretdb"

KAFKA_LIBS = LOCAL / "kafka" / "libs"
KAFKA_PROPS = LOCAL / "kafka" / "server.properties"
FERRETDB_BIN = LOCAL / "bin" / "ferretdb"
DATA = LOCAL / "data"
KAFKA_DATA = DATA / "kafka"
KAFKA_FORMAT_INFO = DATA / "kafka.format"  # controller port the log dir was formatted for
FERRETDB_DATA = DATA / "ferretdb"
LOG_DIR = LOCAL / "log"
RUN_DIR = LOCAL / "run"

VENV = REPO / ".venv"
VENV_PYTHON = VENV / "bin" / "python"
VENV_UVICORN = VENV / "bin" / "uvicorn"

MAVEN_DEP_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies"


def env_port(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        port = int(raw)
    except ValueError:
        raise SystemExit(f"stack.py: {name}={raw!r} is not a port number") from None
    if not 0 < port < 65536:
        raise SystemExit(f"stack.py: {name}={raw!r} is out of range")
    return port


# The services' explicit development mode (servicekit.auth): without it, a service given no
# secret refuses to start.
DEVELOPMENT_VARIABLE = "TREMPLIN_DEVELOPMENT"

KAFKA_PORT = env_port("KAFKA_PORT", 9092)
KAFKA_CONTROLLER_PORT = env_port("KAFKA_CONTROLLER_PORT", 9093)
FERRETDB_PORT = env_port("FERRETDB_PORT", 27017)
# A second stack on the same machine (another working tree) moves every service with this.
SERVICE_PORT_BASE = env_port("SERVICE_PORT_BASE", 8000)
OIDC_PROVIDER_PORT = env_port("OIDC_PROVIDER_PORT", 8010)
KAFKA_BOOTSTRAP = f"127.0.0.1:{KAFKA_PORT}"
MONGO_URL = f"mongodb://127.0.0.1:{FERRETDB_PORT}/"


class StackError(Exception):
    """A step failed; the message says what to look at."""


# --------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------
def _print(msg: str, stream_name: str) -> None:
    # A closed terminal or pipe (`make run | tee` interrupted) must never stop a shutdown halfway:
    # from then on, output goes nowhere and the stopping goes on.
    try:
        print(msg, file=getattr(sys, stream_name), flush=True)
    except (BrokenPipeError, OSError):
        with contextlib.suppress(OSError):
            setattr(sys, stream_name, open(os.devnull, "w"))  # noqa: SIM115


def say(msg: str = "") -> None:
    _print(msg, "stdout")


def warn(msg: str) -> None:
    _print(msg, "stderr")


def rel(path: Path) -> str:
    """Path relative to the repo when inside it (shorter messages), absolute otherwise."""
    try:
        return str(path.relative_to(REPO))
    except ValueError:
        return str(path)


def log_path(name: str) -> Path:
    return LOG_DIR / f"{name}.log"


def pid_path(name: str) -> Path:
    return RUN_DIR / f"{name}.pid"


def tail(path: Path, n: int = LOG_TAIL_LINES) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - 256 * 1024))
            data = f.read()
    except FileNotFoundError:
        return f"    ({rel(path)} does not exist)"
    lines = data.decode("utf-8", "replace").splitlines()[-n:]
    return "\n".join("    " + line for line in lines) if lines else "    (empty)"


def port_open(port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout):
            return True
    except OSError:
        return False


def sha256_of(*parts: bytes) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(len(p).to_bytes(8, "big"))
        h.update(p)
    return h.hexdigest()


def fmt_secs(s: float) -> str:
    return f"{s:.1f}s"


@contextlib.contextmanager
def stack_lock():
    """Serialise start/stop steps of concurrent stack.py invocations on one .local dir."""
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    with open(RUN_DIR / "stack.lock", "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


# --------------------------------------------------------------------------------------
# /proc based process inspection (never pkill: only pids from our pid files)
# --------------------------------------------------------------------------------------
def proc_cmdline(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    return [a.decode("utf-8", "replace") for a in raw.split(b"\0") if a]


def proc_alive(pid: int) -> bool:
    """True if pid exists and is not a zombie (exited, not yet reaped by its parent).

    Our own children are reaped by their subprocess.Popen (which keeps the exit code)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] not in ("Z", "X")


# --------------------------------------------------------------------------------------
# Kafka wire protocol: Metadata v1 (broker registered and unfenced => listed)
# --------------------------------------------------------------------------------------
def _recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("connection closed")
        buf += chunk
    return buf


def kafka_brokers(port: int, timeout: float = 2.0) -> int:
    """Number of live brokers the broker on `port` reports (0 if not answering)."""
    client = b"tremplin-stack"
    # request header v1: api_key=3 (Metadata), api_version=1, correlation_id, client_id
    header = struct.pack(">hhih", 3, 1, 7, len(client)) + client
    body = struct.pack(">i", 0)  # empty topic list: brokers only
    msg = header + body
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            sock.sendall(struct.pack(">i", len(msg)) + msg)
            size = struct.unpack(">i", _recv_exact(sock, 4))[0]
            resp = _recv_exact(sock, size)
    except (OSError, ConnectionError, struct.error):
        return 0
    correlation_id, n_brokers = struct.unpack(">ii", resp[:8])
    return n_brokers if correlation_id == 7 else 0


# --------------------------------------------------------------------------------------
# MongoDB wire protocol: OP_MSG {ping: 1, $db: "admin"}
# --------------------------------------------------------------------------------------
def _bson_cstring(s: str) -> bytes:
    return s.encode() + b"\0"


def _bson_ping() -> bytes:
    elems = b"\x10" + _bson_cstring("ping") + struct.pack("<i", 1)
    db = b"admin"
    elems += b"\x02" + _bson_cstring("$db") + struct.pack("<i", len(db) + 1) + db + b"\0"
    return struct.pack("<i", len(elems) + 5) + elems + b"\0"


def _bson_ok(doc: bytes) -> bool:
    """Read the top-level "ok" field of a BSON document (double/int32/int64/bool)."""
    i, end = 4, len(doc) - 1
    while i < end:
        etype = doc[i]
        j = doc.index(b"\0", i + 1)
        name = doc[i + 1 : j].decode("utf-8", "replace")
        i = j + 1
        sizes = {0x01: 8, 0x07: 12, 0x08: 1, 0x09: 8, 0x0A: 0, 0x10: 4, 0x11: 8, 0x12: 8, 0x13: 16}
        if name == "ok":
            if etype == 0x01:
                return struct.unpack("<d", doc[i : i + 8])[0] == 1.0
            if etype == 0x10:
                return struct.unpack("<i", doc[i : i + 4])[0] == 1
            if etype == 0x12:
                return struct.unpack("<q", doc[i : i + 8])[0] == 1
            if etype == 0x08:
                return doc[i] == 1
            return False
        if etype in sizes:
            i += sizes[etype]
        elif etype in (0x02, 0x0D, 0x0E):  # string, js, symbol
            i += 4 + struct.unpack("<i", doc[i : i + 4])[0]
        elif etype in (0x03, 0x04, 0x0F):  # document, array, js with scope
            i += struct.unpack("<i", doc[i : i + 4])[0]
        elif etype == 0x05:  # binary
            i += 5 + struct.unpack("<i", doc[i : i + 4])[0]
        elif etype == 0x0B:  # regex: two cstrings
            i = doc.index(b"\0", doc.index(b"\0", i) + 1) + 1
        elif etype == 0x0C:  # dbpointer
            i += 4 + struct.unpack("<i", doc[i : i + 4])[0] + 12
        else:
            return False
    return False


def mongo_ping(port: int, timeout: float = 2.0) -> bool:
    body = struct.pack("<I", 0) + b"\x00" + _bson_ping()  # flagBits, section kind 0
    header = struct.pack("<iiii", 16 + len(body), 1, 0, 2013)  # OP_MSG
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            sock.sendall(header + body)
            length, _req, _resp_to, opcode = struct.unpack("<iiii", _recv_exact(sock, 16))
            payload = _recv_exact(sock, length - 16)
    except (OSError, ConnectionError, struct.error, ValueError):
        return False
    if opcode != 2013 or len(payload) < 10 or payload[4] != 0:
        return False
    try:
        return _bson_ok(payload[5:])
    except (ValueError, IndexError, struct.error):
        return False


def http_ready(port: int, path: str = SERVICE_READY_PATH, timeout: float = 2.0) -> bool:
    # No proxy: an http_proxy in the environment must not intercept 127.0.0.1.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(f"http://127.0.0.1:{port}{path}", timeout=timeout) as resp:
            return resp.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


# --------------------------------------------------------------------------------------
# prepare: Kafka jars (Maven) and FerretDB binary (Go), both cached by a stamp
# --------------------------------------------------------------------------------------
def require_tool(tool: str, why: str) -> str:
    path = shutil.which(tool)
    if not path:
        raise StackError(f"`{tool}` not found on PATH; it is needed to {why}.")
    return path


def java_bin() -> str:
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").exists():
        return str(Path(java_home) / "bin" / "java")
    return require_tool("java", "run the Kafka broker (Java 17+)")


def run_logged(
    argv: list[str], cwd: Path, env: dict[str, str] | None, logfile: Path, what: str
) -> None:
    """Run a build step, output to logfile; on failure raise with the log tail."""
    logfile.parent.mkdir(parents=True, exist_ok=True)
    with open(logfile, "w") as out:
        rc = subprocess.call(
            argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
    if rc != 0:
        raise StackError(f"{what} failed (exit {rc}). Full output: {rel(logfile)}\n{tail(logfile)}")


def prepare_kafka() -> tuple[bool, float]:
    t0 = time.monotonic()
    stamp_file = KAFKA_LIBS / ".stamp"
    stamp = sha256_of(KAFKA_POM.read_bytes(), MAVEN_DEP_PLUGIN.encode())
    if (
        stamp_file.exists()
        and stamp_file.read_text().strip() == stamp
        and any(KAFKA_LIBS.glob("kafka_*.jar"))
    ):
        return False, time.monotonic() - t0
    mvn = require_tool("mvn", "download the Kafka jars (Maven 3)")
    require_tool("java", "run Maven and Kafka")
    say(f"  kafka: fetching jars with Maven into {rel(KAFKA_LIBS)} ...")
    tmp = KAFKA_LIBS.with_name("libs.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    argv = [
        mvn,
        "-B",
        "-q",
        "-Dstyle.color=never",
        "-f",
        str(KAFKA_POM),
        MAVEN_DEP_PLUGIN,
        "-DincludeScope=runtime",
        f"-DoutputDirectory={tmp}",
    ]
    run_logged(argv, HERE, None, LOG_DIR / "prepare-kafka.log", "Fetching Kafka jars with Maven")
    if not any(tmp.glob("kafka_*.jar")):
        raise StackError(
            f"Maven finished but no kafka_*.jar in {tmp}; see {rel(LOG_DIR / 'prepare-kafka.log')}"
        )
    (tmp / ".stamp").write_text(stamp + "\n")
    shutil.rmtree(KAFKA_LIBS, ignore_errors=True)
    tmp.rename(KAFKA_LIBS)
    return True, time.monotonic() - t0


# FerretDB 1.24's SQLite backend looks documents up by `_id` with the path `->'$._id'` while its
# `_id_` index is on `->"_id"`: SQLite does not see them as the same expression, so every lookup and
# every update by `_id` scanned the whole collection (an update took 0.6-1 s on 20,000 documents,
# 3-5 ms once fixed). And it sends a filter to SQLite only when it is `{_id: <id>}` alone: a guarded
# update `{_id, rev}` or a lookup `{_id: {$in: [...]}}` read every document. We build from a copy
# of the module with the path fixed and the `_id` part of any filter sent to SQLite
# (ferretdb/patch/id_pushdown.go.in; FerretDB still checks the whole filter on what it reads).
FERRETDB_MODULE = "github.com/FerretDB/FerretDB@v1.24.2"
FERRETDB_PATCHES = (
    (
        "internal/backends/sqlite/metadata/metadata.go",
        """IDColumn = DefaultColumn + "->'$._id'\"""",
        """IDColumn = DefaultColumn + "->'_id'\"""",
    ),
    (
        "internal/backends/sqlite/collection.go",
        """\tif params.Filter.Len() == 1 {
\t\tv, _ := params.Filter.Get("_id")
\t\tswitch v.(type) {
\t\tcase string, types.ObjectID:
\t\t\twhereClause = fmt.Sprintf(` WHERE %s = ?`, metadata.IDColumn)
\t\t\targs = []any{string(must.NotFail(sjson.MarshalSingleValue(v)))}
\t\t}
\t}

\tq += whereClause""",
        """\twhereClause, args = idWhere(params.Filter)

\tq += whereClause""",
    ),
)
FERRETDB_ADDED = (
    (FERRETDB_SRC / "patch" / "id_pushdown.go.in", "internal/backends/sqlite/id_pushdown.go"),
)
FERRETDB_BUILD = LOCAL / "ferretdb-build"


def patched_ferretdb_module(go: str, env: dict[str, str]) -> Path:
    """A writable copy of FerretDB's module, FERRETDB_PATCHES applied (the cache is read-only)."""
    done = subprocess.run(
        [go, "mod", "download", "-json", FERRETDB_MODULE],
        cwd=FERRETDB_SRC,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise StackError(f"go mod download {FERRETDB_MODULE} failed: {done.stdout}{done.stderr}")
    source = Path(json.loads(done.stdout)["Dir"])
    copy = FERRETDB_BUILD / "FerretDB"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(source, copy)
    for path in copy.rglob("*"):
        path.chmod(path.stat().st_mode | 0o200)
    for relative, before, after in FERRETDB_PATCHES:
        target = copy / relative
        text = target.read_text()
        if text.count(before) != 1:
            raise StackError(
                f"FerretDB patch no longer applies: {before!r} not found once in {target}"
            )
        target.write_text(text.replace(before, after))
    for source_file, relative in FERRETDB_ADDED:
        shutil.copyfile(source_file, copy / relative)
    return copy


def prepare_ferretdb() -> tuple[bool, float]:
    t0 = time.monotonic()
    stamp_file = FERRETDB_BIN.with_name("ferretdb.stamp")
    inputs = [FERRETDB_SRC / n for n in ("go.mod", "go.sum", "main.go")]
    inputs += [source_file for source_file, _ in FERRETDB_ADDED]
    go = require_tool("go", "build FerretDB (Go 1.24+)")
    go_version = subprocess.run(
        [go, "env", "GOVERSION"], capture_output=True, text=True
    ).stdout.strip()
    stamp = sha256_of(
        *(p.read_bytes() for p in inputs), go_version.encode(), repr(FERRETDB_PATCHES).encode()
    )
    if stamp_file.exists() and stamp_file.read_text().strip() == stamp and FERRETDB_BIN.exists():
        return False, time.monotonic() - t0
    say(
        f"  ferretdb: building {rel(FERRETDB_BIN)} with {go_version} "
        "(first build takes a few minutes) ..."
    )
    FERRETDB_BIN.parent.mkdir(parents=True, exist_ok=True)
    tmp = FERRETDB_BIN.with_name("ferretdb.tmp")
    env = dict(os.environ)
    env["CGO_ENABLED"] = "0"  # pure-Go SQLite (modernc.org/sqlite): no C toolchain needed
    env["GOFLAGS"] = (
        env.get("GOFLAGS", "") + " -mod=readonly"
    ).strip()  # never rewrite go.mod/go.sum
    # The project's go.mod stays as committed: the build uses a copy pointing at the patched module.
    module = patched_ferretdb_module(go, env)
    modfile = FERRETDB_BUILD / "go.mod"
    modfile.write_text(
        (FERRETDB_SRC / "go.mod").read_text()
        + f"\nreplace github.com/FerretDB/FerretDB => {module}\n"
    )
    shutil.copyfile(FERRETDB_SRC / "go.sum", FERRETDB_BUILD / "go.sum")
    argv = [go, "build", "-trimpath", f"-modfile={modfile}", "-o", str(tmp), "."]
    run_logged(
        argv, FERRETDB_SRC, env, LOG_DIR / "prepare-ferretdb.log", "Building FerretDB with Go"
    )
    tmp.replace(FERRETDB_BIN)  # atomic; a running ferretdb keeps its old inode
    stamp_file.write_text(stamp + "\n")
    return True, time.monotonic() - t0


# The web pages' assets (the French State Design System) and the browser tests' tools: Debian's
# Chromium (driven by Playwright with this executable; Playwright's own browser download is never
# used) and npm packages pinned by web/package-lock.json, installed into web/node_modules.
WEB = REPO / "web"
WEB_MODULES = WEB / "node_modules"
CHROMIUM = Path("/usr/bin/chromium")


def prepare_chromium() -> tuple[bool, float]:
    t0 = time.monotonic()
    if CHROMIUM.exists():
        return False, time.monotonic() - t0
    apt = shutil.which("apt-get")
    if apt is None or os.geteuid() != 0:
        warn(
            f"  chromium: {CHROMIUM} is missing and cannot be installed from here "
            f"({'no apt-get' if apt is None else 'not root'}); the browser tests will fail until "
            "it is installed: `apt-get install -y --no-install-recommends chromium` as root."
        )
        return False, time.monotonic() - t0
    say(f"  chromium: installing Debian's chromium into {CHROMIUM} ...")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    install = [apt, "install", "-y", "-q", "--no-install-recommends", "chromium"]
    logfile = LOG_DIR / "prepare-chromium.log"
    try:
        run_logged(install, REPO, env, logfile, "apt-get install chromium")
    except StackError:
        say("  chromium: first try failed; refreshing the package lists (apt-get update) ...")
        try:
            run_logged(
                [apt, "update", "-q"], REPO, env, LOG_DIR / "prepare-apt.log", "apt-get update"
            )
            run_logged(install, REPO, env, logfile, "apt-get install chromium")
        except StackError as error:
            warn(f"  chromium: not installed; the browser tests will fail until it is. {error}")
            return False, time.monotonic() - t0
    if not CHROMIUM.exists():
        warn(f"  chromium: apt-get finished but {CHROMIUM} is missing; see {rel(logfile)}")
        return False, time.monotonic() - t0
    return True, time.monotonic() - t0


# The French State Design System (DSFR) asks whoever installs it to accept its terms of use: its
# install script fails unless web/.dsfr.yml has `accept-license: <version>` or DSFR_ACCEPT_LICENSE=1
# It is an optional dependency: without that acceptance npm skips it and the pages use their own
# stylesheet. Accepting is the deployer's decision, never taken here.
DSFR_CONSENT = WEB / ".dsfr.yml"
DSFR_DIST = WEB_MODULES / "@gouvfr" / "dsfr" / "dist"


def dsfr_consent() -> bytes:
    given = DSFR_CONSENT.read_bytes() if DSFR_CONSENT.exists() else b""
    return given + b"|" + os.environ.get("DSFR_ACCEPT_LICENSE", "").encode()


def prepare_web_modules() -> tuple[bool, float]:
    t0 = time.monotonic()
    lock = WEB / "package-lock.json"
    stamp_file = WEB_MODULES / ".tremplin.stamp"
    stamp = sha256_of(
        (WEB / "package.json").read_bytes(),
        lock.read_bytes() if lock.exists() else b"",
        dsfr_consent(),
    )
    if stamp_file.exists() and stamp_file.read_text().strip() == stamp:
        return False, time.monotonic() - t0
    npm = require_tool(
        "npm", "install the web pages' files and the accessibility checker (Node 20+)"
    )
    say(f"  web assets: installing the npm packages of {rel(WEB)} into {rel(WEB_MODULES)} ...")
    common = ["--include=dev", "--include=optional", "--no-audit", "--no-fund"]
    argv = [npm, "ci", *common] if lock.exists() else [npm, "install", *common]
    logfile = LOG_DIR / "prepare-web.log"
    run_logged(argv, WEB, None, logfile, f"npm {argv[1]} in {rel(WEB)}")
    if not (WEB_MODULES / "axe-core" / "axe.min.js").exists():
        raise StackError(
            f"npm finished but axe-core is missing; see {rel(logfile)}\n{tail(logfile)}"
        )
    if not DSFR_DIST.is_dir():
        warn(
            "  web assets: the design system (@gouvfr/dsfr) is not installed: its terms of use "
            f"have not been accepted ({rel(DSFR_CONSENT)} or DSFR_ACCEPT_LICENSE=1; see "
            "docs/web-testing.md). The pages use their own stylesheet."
        )
    stamp_file.write_text(stamp + "\n")
    return True, time.monotonic() - t0


def prepare_oidc_provider() -> tuple[bool, float]:
    try:
        return oidc_provider.prepare(LOG_DIR / "prepare-oidc.log")
    except RuntimeError as error:
        raise StackError(f"the local OpenID provider: {error}") from None


def prepare_web(verbose: bool = True) -> None:
    steps = (
        ("chromium", prepare_chromium),
        ("web assets", prepare_web_modules),
        ("oidc provider", prepare_oidc_provider),
    )
    for name, step in steps:
        done, secs = step()
        if done:
            say(f"  {name}: ready in {fmt_secs(secs)}")
        elif verbose and (name != "chromium" or CHROMIUM.exists()):
            say(f"  {name}: up to date")


def prepare(verbose: bool = True) -> None:
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    for name, step in (("kafka jars", prepare_kafka), ("ferretdb binary", prepare_ferretdb)):
        done, secs = step()
        if done:
            say(f"  {name}: ready in {fmt_secs(secs)}")
        elif verbose:
            say(f"  {name}: up to date (cached)")
    if verbose:
        say(f"prepare: done in {fmt_secs(time.monotonic() - t0)}")


# --------------------------------------------------------------------------------------
# Process specifications
# --------------------------------------------------------------------------------------
@dataclass
class Proc:
    name: str
    kind: str  # "infra" or "service"
    port: int
    module: str = ""  # services only
    popen: subprocess.Popen | None = field(default=None, repr=False)

    # ---- command line -----------------------------------------------------------
    def argv(self) -> list[str]:
        if self.name == "kafka":
            heap = os.environ.get("KAFKA_HEAP_OPTS", "-Xms256m -Xmx512m").split()
            return [
                java_bin(),
                *heap,
                "-XX:+ExitOnOutOfMemoryError",
                "-Djava.awt.headless=true",
                f"-Dlog4j2.configurationFile={KAFKA_LOG4J}",
                f"-Dtremplin.kafka.log.file={log_path('kafka')}",
                f"-Dkafka.logs.dir={LOG_DIR}",
                "-cp",
                f"{KAFKA_LIBS}/*",
                "kafka.Kafka",
                str(KAFKA_PROPS),
            ]
        if self.name == "oidc":
            try:
                return oidc_provider.argv()
            except RuntimeError as error:
                raise StackError(str(error)) from None
        if self.name == "ferretdb":
            return [
                str(FERRETDB_BIN),
                f"-listen-addr=127.0.0.1:{self.port}",
                f"-data-dir={FERRETDB_DATA}",
            ]
        return [str(VENV_UVICORN), self.module, "--host", "127.0.0.1", "--port", str(self.port)]

    def matches(self, cmdline: list[str]) -> bool:
        """Is this command line one we started for this process?"""
        if self.name == "kafka":
            return "kafka.Kafka" in cmdline and str(KAFKA_PROPS) in cmdline
        if self.name == "ferretdb":
            return bool(cmdline) and cmdline[0] == str(FERRETDB_BIN)
        if self.name == "oidc":
            return str(oidc_provider.SCRIPT) in cmdline
        return self.module in cmdline and any(a.endswith("uvicorn") for a in cmdline)

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["KAFKA_BOOTSTRAP_SERVERS"] = KAFKA_BOOTSTRAP
        env["MONGO_URL"] = MONGO_URL
        # A local run is a development run: the public development secret signs internal tokens,
        # and the gateway mints tokens for the demo accounts.
        env.setdefault(DEVELOPMENT_VARIABLE, "true")
        env.setdefault("GATEWAY_DEV_ISSUER", "true")
        # ... and its pages sign people in through the local OpenID provider as well.
        for name, value in oidc_provider.gateway_settings().items():
            env.setdefault(name, value)
        env["OIDC_PROVIDER_PORT"] = str(OIDC_PROVIDER_PORT)
        env["OIDC_GATEWAY_URL"] = f"http://127.0.0.1:{SERVICE_PORT_BASE}"
        env.update(service_urls())
        if self.kind == "service":
            env["PYTHONUNBUFFERED"] = "1"
        return env

    @property
    def log(self) -> Path:
        return log_path(self.name)

    @property
    def pidfile(self) -> Path:
        return pid_path(self.name)

    @property
    def address(self) -> str:
        if self.name == "kafka":
            return f"127.0.0.1:{self.port}"
        if self.name == "ferretdb":
            return f"mongodb://127.0.0.1:{self.port}/"
        return f"http://127.0.0.1:{self.port}"  # the OpenID provider's issuer too

    @property
    def port_env(self) -> str:
        ports = {"kafka": "KAFKA_PORT", "ferretdb": "FERRETDB_PORT", "oidc": "OIDC_PROVIDER_PORT"}
        return ports.get(self.name, "")

    @property
    def ready_timeout(self) -> float:
        return {"kafka": KAFKA_READY_TIMEOUT, "ferretdb": FERRETDB_READY_TIMEOUT}.get(
            self.name, SERVICE_READY_TIMEOUT
        )

    @property
    def stop_timeout(self) -> float:
        return KAFKA_STOP_TIMEOUT if self.name == "kafka" else STOP_TIMEOUT

    # ---- readiness ----------------------------------------------------------------
    def ready(self) -> bool:
        if self.name == "ferretdb":
            # No bare connect/close probe first: FerretDB logs a warning for each one.
            return mongo_ping(self.port)
        if not port_open(self.port):
            return False
        if self.name == "kafka":
            return kafka_brokers(self.port) >= 1
        if self.name == "oidc":
            return http_ready(self.port, oidc_provider.DISCOVERY)
        return http_ready(self.port)

    def ready_what(self) -> str:
        if self.name == "kafka":
            return f"port {self.port} open and the broker listed in a Metadata response"
        if self.name == "ferretdb":
            return f"port {self.port} open and a MongoDB ping answered"
        if self.name == "oidc":
            return f"GET http://127.0.0.1:{self.port}{oidc_provider.DISCOVERY} answering 200"
        return f"GET http://127.0.0.1:{self.port}{SERVICE_READY_PATH} answering 200"

    # ---- pid file -------------------------------------------------------------------
    def read_pid(self) -> int | None:
        try:
            first = self.pidfile.read_text().split()[0]
            return int(first)
        except (OSError, IndexError, ValueError):
            return None

    def _recorded_port(self) -> int | None:
        try:
            for line in self.pidfile.read_text().splitlines()[1:]:
                key, _, value = line.partition("=")
                if key.strip() == "port":
                    return int(value)
        except (OSError, ValueError):
            pass
        return None

    def running_pid(self) -> int | None:
        """Pid of our live process, or None. Removes a stale pid file."""
        pid = self.read_pid()
        if pid is None:
            if self.pidfile.exists():
                self.pidfile.unlink(missing_ok=True)
            return None
        if proc_alive(pid):
            cmd = proc_cmdline(pid)
            if cmd is not None and self.matches(cmd):
                self.port = self._recorded_port() or self.port  # the port it was started with
                return pid
        self.pidfile.unlink(missing_ok=True)  # process gone, or pid reused by another program
        return None


def infra_procs() -> list[Proc]:
    return [Proc("kafka", "infra", KAFKA_PORT), Proc("ferretdb", "infra", FERRETDB_PORT)]


def provider_procs() -> list[Proc]:
    """The local OpenID provider: started with the services, never with --infra-only."""
    return [Proc("oidc", "provider", OIDC_PROVIDER_PORT)]


def service_procs() -> list[Proc]:
    return [
        # A harness may serve its own composition of a service (the chaos run's outbox fault).
        Proc(
            name,
            "service",
            SERVICE_PORT_BASE + offset,
            os.environ.get(f"TREMPLIN_STACK_APP_{name.upper()}") or module,
        )
        for name, module, offset in SERVICES
    ]


def service_urls() -> dict[str, str]:
    """The *_URL variables that point every reader at the services of this stack."""
    return {
        variable: f"http://127.0.0.1:{SERVICE_PORT_BASE + offset}"
        for name, _, offset in SERVICES
        for variable in SERVICE_URL_VARIABLES[name]
    }


def all_procs() -> list[Proc]:
    return infra_procs() + provider_procs() + service_procs()


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


class _Stop(Exception):
    """Raised by the SIGINT/SIGTERM handler of `run` and `with-infra`."""


_critical = 0  # > 0 while a child is started but its pid file not yet written
_deferred: list[int] = []


def _raise_stop(signum: int, _frame: object) -> None:
    if _critical:
        _deferred.append(signum)  # raised once the pid file exists (see spawn)
        return
    raise _Stop(signum)


def spawn(p: Proc) -> int:
    """Start p in the background (own session), log to .local/log/<name>.log, write pid file."""
    global _critical
    _critical += 1
    try:
        return _spawn(p)
    finally:
        _critical -= 1
        if not _critical and _deferred:
            raise _Stop(_deferred.pop())


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


COLOURS = ["36", "33", "35", "32", "34", "31", "96", "93", "95", "92"]


class LogFollower:
    """Prints new lines of every log, prefixed with the padded process name (coloured on a tty)."""

    def __init__(self, procs: list[Proc], offsets: dict[str, int]):
        tty = sys.stdout.isatty()
        width = max(len(p.name) for p in procs)
        self.procs = procs
        self.files: dict[str, list] = {}
        self.prefix: dict[str, str] = {}
        for i, p in enumerate(procs):
            p.log.touch()
            f = open(p.log, "rb")  # noqa: SIM115 (closed in close())
            f.seek(offsets.get(p.name, 0))
            self.files[p.name] = [f, b""]
            label = p.name.ljust(width) + " | "
            self.prefix[p.name] = (
                f"\033[{COLOURS[i % len(COLOURS)]}m{label}\033[0m" if tty else label
            )
        self.reported_dead: set[str] = set()

    def pump(self) -> bool:
        """Print what is new; True if anything was printed."""
        printed = False
        for name, entry in self.files.items():
            f, buf = entry
            chunk = f.read(65536)
            if chunk:
                printed = True
                buf += chunk
                *lines, buf = buf.split(b"\n")
                for line in lines:
                    sys.stdout.write(self.prefix[name] + line.decode("utf-8", "replace") + "\n")
                entry[1] = buf
        sys.stdout.flush()
        return printed

    def check_exits(self) -> None:
        for p in self.procs:
            if p.name not in self.reported_dead and p.running_pid() is None:
                self.reported_dead.add(p.name)
                sys.stdout.write(
                    self.prefix[p.name] + "*** process exited (see its log above); "
                    "Ctrl-C stops the others\n"
                )
                sys.stdout.flush()

    def follow(self) -> None:
        """Until _Stop / KeyboardInterrupt."""
        last_check = 0.0
        while True:
            printed = self.pump()
            if time.monotonic() - last_check > 1.0:
                last_check = time.monotonic()
                self.check_exits()
            if not printed:
                time.sleep(0.2)

    def close(self) -> None:
        for f, _ in self.files.values():
            f.close()


def cmd_run(args) -> int:
    procs = infra_procs() if args.infra_only else all_procs()
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    offsets = {}
    for p in procs:
        try:
            offsets[p.name] = p.log.stat().st_size
        except FileNotFoundError:
            offsets[p.name] = 0
    old_int = signal.signal(signal.SIGINT, _raise_stop)
    old_term = signal.signal(signal.SIGTERM, _raise_stop)
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
        except (_Stop, KeyboardInterrupt):
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
    old_int = signal.signal(signal.SIGINT, _raise_stop)
    old_term = signal.signal(signal.SIGTERM, _raise_stop)
    rc = 1
    try:
        try:
            up(infra_only=not args.services, result=result)
        except (_Stop, KeyboardInterrupt):
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
    sub.add_parser(
        "prepare", help="fetch Kafka jars, build FerretDB, install Chromium and web assets (cached)"
    ).set_defaults(func=cmd_prepare)
    p_up = sub.add_parser("up", help="start everything not running and wait until ready")
    p_up.add_argument(
        "--infra-only", action="store_true", help="Kafka and FerretDB only, no services"
    )
    p_up.set_defaults(func=cmd_up)
    sub.add_parser("down", help="stop the processes this project started").set_defaults(
        func=cmd_down
    )
    p_run = sub.add_parser("run", help="up, then follow all logs until Ctrl-C, then down")
    p_run.add_argument(
        "--infra-only", action="store_true", help="Kafka and FerretDB only, no services"
    )
    p_run.set_defaults(func=cmd_run)
    sub.add_parser("status", help="show what runs (exit 3 if something is down)").set_defaults(
        func=cmd_status
    )
    sub.add_parser(
        "clean", help="down, then delete .local/data (keeps jars and binaries)"
    ).set_defaults(func=cmd_clean)
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
