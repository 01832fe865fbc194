"""Chromium, the web pages' npm assets (and the DSFR's consent), the local OpenID provider."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import oidc_provider

from stacklib.console import fmt_secs, rel, say, sha256_of, tail, warn
from stacklib.prepare import require_tool, run_logged
from stacklib.settings import LOG_DIR, REPO, StackError

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
