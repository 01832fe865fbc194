"""Kafka's jars from Maven and FerretDB built from the Go module proxy, each cached by a stamp."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

from stacklib.console import fmt_secs, rel, say, sha256_of, tail
from stacklib.settings import (
    FERRETDB_BIN,
    FERRETDB_SRC,
    HERE,
    KAFKA_LIBS,
    KAFKA_POM,
    LOCAL,
    LOG_DIR,
    MAVEN_DEP_PLUGIN,
    StackError,
)


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
