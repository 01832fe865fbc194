"""The local OpenID provider that stack.py runs beside the services (deploy/local/oidc/).

node's oidc-provider (OpenID Certified) with the clients and people of
deploy/local/oidc/accounts.json: the web pages' real sign-in (authorization code + PKCE) in
`make run` and in the browser tests. Standard library only, like stack.py.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent / "oidc"
SCRIPT = HERE / "provider.mjs"
ACCOUNTS = HERE / "accounts.json"
MODULES = HERE / "node_modules"
DISCOVERY = "/.well-known/openid-configuration"


def port() -> int:
    raw = os.environ.get("OIDC_PROVIDER_PORT", "").strip()
    return int(raw) if raw.isdigit() else 8010


def issuer() -> str:
    return f"http://127.0.0.1:{port()}"


def gateway_settings() -> dict[str, str]:
    """What the gateway needs to sign people in through this provider (development values)."""
    client = json.loads(ACCOUNTS.read_text())["clients"][0]
    return {
        "GATEWAY_OIDC_ISSUER": issuer(),
        "GATEWAY_OIDC_CLIENT_ID": client["client_id"],
        "GATEWAY_OIDC_CLIENT_SECRET": client["client_secret"],
    }


def argv() -> list[str]:
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("node is missing: the local OpenID provider needs Node.js 20+")
    return [node, str(SCRIPT)]


def prepare(log: Path) -> tuple[bool, float]:
    """`npm ci` in deploy/local/oidc when its package files changed since the last install."""
    t0 = time.monotonic()
    stamp_file = MODULES / ".tremplin.stamp"
    stamp = hashlib.sha256(
        (HERE / "package.json").read_bytes() + b"|" + (HERE / "package-lock.json").read_bytes()
    ).hexdigest()
    if stamp_file.exists() and stamp_file.read_text().strip() == stamp:
        return False, time.monotonic() - t0
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is missing: the local OpenID provider needs Node.js 20+ and npm")
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=HERE,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            check=False,
        )
    if done.returncode != 0 or not (MODULES / "oidc-provider").is_dir():
        raise RuntimeError(f"npm ci in {HERE} failed (exit {done.returncode}); see {log}")
    stamp_file.write_text(stamp + "\n")
    return True, time.monotonic() - t0
