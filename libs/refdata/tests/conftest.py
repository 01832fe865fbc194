import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from testkit.reference import SYNTHETIC_FILES, FileServer, write_synthetic_files

from refdata import Referential, read_referential
from refdata.sources import checkout_data_dir


@pytest.fixture(scope="session")
def real_data_folder() -> Path:
    configured = os.environ.get("REFDATA_DIR")
    folder = Path(configured) if configured else checkout_data_dir()
    if folder is None:
        pytest.fail(
            "no reference data folder: set REFDATA_DIR or put shared/data beside the checkout"
        )
    return folder


@pytest.fixture(scope="session")
def real_referential(real_data_folder: Path) -> Referential:
    return read_referential(real_data_folder)


@pytest.fixture
def synthetic_files() -> dict[str, bytes]:
    return dict(SYNTHETIC_FILES)


@pytest.fixture
def synthetic_folder(tmp_path: Path) -> Path:
    return write_synthetic_files(tmp_path / "data")


@pytest.fixture
def file_server() -> Iterator[FileServer]:
    server = FileServer()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    # The local server must be reached directly, whatever the machine's proxy settings.
    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ):
        monkeypatch.delenv(name, raising=False)
