"""Where the reference files are read from: REFDATA_DIR, the checkout's data folder, or a cache."""

import logging
import os
import tempfile
from pathlib import Path

import httpx

from refdata.files import DATA_FILES, DataFile, MalformedFileError, Origin, check_header
from refdata.settings import RefdataSettings

logger = logging.getLogger(__name__)

_PACKAGE_DIR = Path(__file__).resolve().parent


class RefdataUnavailableError(RuntimeError):
    pass


def missing_files(folder: Path) -> list[str]:
    return [spec.name for spec in DATA_FILES if not (folder / spec.name).is_file()]


def checkout_data_dir(start: Path = _PACKAGE_DIR) -> Path | None:
    """`../shared/data` beside the uv workspace holding `start`, if both exist."""
    for folder in (start, *start.parents):
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and "[tool.uv.workspace]" in pyproject.read_text("utf-8"):
            data = folder.parent / "shared" / "data"
            return data if data.is_dir() else None
    return None


def source_url(settings: RefdataSettings, spec: DataFile) -> str:
    if spec.origin is Origin.LAPOSTE:
        return settings.laposte_url
    return f"{settings.lbb_base_url.rstrip('/')}/{spec.name}"


def locate_data_dir(settings: RefdataSettings) -> Path:
    """The folder to read, fetching the files into the cache when no local folder has them."""
    if settings.dir is not None:
        _require_complete(settings.dir, "REFDATA_DIR")
        return settings.dir
    tried = ["REFDATA_DIR is not set"]
    if settings.use_checkout_data:
        checkout = checkout_data_dir()
        if checkout is not None:
            _require_complete(checkout, "the checkout's data folder")
            return checkout
        tried.append("no `../shared/data` folder beside the workspace checkout")
    else:
        tried.append("the checkout's data folder is not looked for (REFDATA_USE_CHECKOUT_DATA)")
    return fill_cache(settings, tried)


def fill_cache(settings: RefdataSettings, tried: list[str] | None = None) -> Path:
    cache = settings.cache
    wanted = [spec for spec in DATA_FILES if not (cache / spec.name).is_file()]
    if not wanted:
        return cache
    cache.mkdir(parents=True, exist_ok=True)
    failures: list[str] = []
    unreachable: set[str] = set()  # hosts that did not answer: waiting on each file is pointless
    timeout = httpx.Timeout(settings.fetch_timeout_s, connect=min(10.0, settings.fetch_timeout_s))
    with httpx.Client(timeout=timeout, follow_redirects=True) as client:
        for spec in wanted:
            url = source_url(settings, spec)
            host = httpx.URL(url).host
            if host in unreachable:
                failures.append(f"  - {spec.name} from {url}: not tried, {host} did not answer")
                continue
            try:
                _fetch(client, url, spec, cache)
            except (httpx.HTTPError, MalformedFileError, OSError) as exc:
                if isinstance(exc, httpx.TransportError):
                    unreachable.add(host)
                failures.append(f"  - {spec.name} from {url}: {_describe(exc)}")
            else:
                logger.info("fetched %s from %s into %s", spec.name, url, cache)
    if failures:
        raise RefdataUnavailableError(_unavailable_message(settings, tried or [], failures))
    return cache


def _fetch(client: httpx.Client, url: str, spec: DataFile, cache: Path) -> None:
    response = client.get(url)
    response.raise_for_status()
    content = response.content
    check_header(spec, content)  # an HTML error page served with 200 must not enter the cache
    _write_atomically(cache / spec.name, content)


def _write_atomically(target: Path, content: bytes) -> None:
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as tmp:
            os.fchmod(tmp.fileno(), 0o644)  # mkstemp's 0600 would hide the cache from other users
            tmp.write(content)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def _describe(exc: Exception) -> str:
    if isinstance(exc, httpx.HTTPStatusError):
        return f"HTTP {exc.response.status_code}"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _require_complete(folder: Path, what: str) -> None:
    if not folder.is_dir():
        raise RefdataUnavailableError(
            f"{what} {folder} is not a folder. Set REFDATA_DIR to a folder holding "
            f"{_file_list()} (see docs/data-sources.md)."
        )
    missing = missing_files(folder)
    if missing:
        raise RefdataUnavailableError(
            f"{what} {folder} lacks {', '.join(missing)}. Put the files there, or set "
            f"REFDATA_DIR to a folder holding {_file_list()} (see docs/data-sources.md)."
        )


def _file_list() -> str:
    return ", ".join(spec.name for spec in DATA_FILES)


def _unavailable_message(settings: RefdataSettings, tried: list[str], failures: list[str]) -> str:
    return "\n".join(
        [
            "Tremplin's reference data could not be found or fetched.",
            *(f"Tried: {step}." for step in tried),
            f"Tried: fetching the missing files into the cache {settings.cache}, which failed:",
            *failures,
            "To fix it, either set REFDATA_DIR to a folder holding "
            f"{_file_list()} (see docs/data-sources.md for where to get them), "
            "or make the sources reachable (REFDATA_LBB_BASE_URL, REFDATA_LAPOSTE_URL), "
            "or copy the files into REFDATA_CACHE.",
        ]
    )
