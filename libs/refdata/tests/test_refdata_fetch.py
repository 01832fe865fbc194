from pathlib import Path

import pytest
from testkit.reference import LAPOSTE_CURRENT_LAYOUT, FileServer

from refdata import (
    DATA_FILES,
    RefdataSettings,
    RefdataUnavailableError,
    load_referential,
    locate_data_dir,
)
from refdata.sources import checkout_data_dir

LBB_PATH = "/labonneboite/common/data/"
LAPOSTE_PATH = "/data-fair/api/v1/datasets/laposte-hexasmal/raw"


def fetching_settings(base_url: str, cache: Path) -> RefdataSettings:
    return RefdataSettings(
        dir=None,
        use_checkout_data=False,
        cache=cache,
        lbb_base_url=f"{base_url}{LBB_PATH}",
        laposte_url=f"{base_url}{LAPOSTE_PATH}",
        fetch_timeout_s=5,
    )


def routes_for(files: dict[str, bytes]) -> dict[str, bytes]:
    return {
        LAPOSTE_PATH if name == "laposte_hexasmal.csv" else f"{LBB_PATH}{name}": content
        for name, content in files.items()
    }


def test_fetches_the_files_into_the_cache_then_reads_the_cache_offline(
    tmp_path: Path, file_server: FileServer, synthetic_files: dict[str, bytes]
) -> None:
    cache = tmp_path / "cache"
    synthetic_files["laposte_hexasmal.csv"] = LAPOSTE_CURRENT_LAYOUT
    file_server.routes.update(routes_for(synthetic_files))
    settings = fetching_settings(file_server.base_url, cache)

    referential = load_referential(settings)

    assert len(file_server.requested) == len(DATA_FILES)
    assert referential.source == cache
    assert sorted(p.name for p in cache.iterdir()) == sorted(synthetic_files)
    assert (cache / "laposte_hexasmal.csv").read_bytes() == synthetic_files["laposte_hexasmal.csv"]
    assert referential.occupations["A1201"] == "Bûcheronnage et élagage"
    assert referential.job_title("16971") is not None
    assert referential.neighbours("K2204", bassin="8428") == {"K1304": 0.5}
    assert referential.tension("K2204") == 40.5
    ajaccio = referential.commune("2A004")
    assert ajaccio is not None
    assert ajaccio.postcodes == ("20000", "20090")
    assert ajaccio.latitude is None  # the current La Poste file has no coordinates

    file_server.stop()
    again = load_referential(settings)

    assert again.source == cache
    assert again.occupations == referential.occupations


def test_fetches_only_the_files_missing_from_the_cache(
    synthetic_folder: Path, file_server: FileServer, synthetic_files: dict[str, bytes]
) -> None:
    file_server.routes.update(routes_for(synthetic_files))
    (synthetic_folder / "metiers_tension.csv").unlink()

    locate_data_dir(fetching_settings(file_server.base_url, synthetic_folder))

    assert file_server.requested == [f"{LBB_PATH}metiers_tension.csv"]


def test_a_missing_source_raises_a_clear_error(
    tmp_path: Path, file_server: FileServer, synthetic_files: dict[str, bytes]
) -> None:
    cache = tmp_path / "cache"
    file_server.routes.update(routes_for(synthetic_files))
    del file_server.routes[LAPOSTE_PATH]

    with pytest.raises(RefdataUnavailableError) as raised:
        load_referential(fetching_settings(file_server.base_url, cache))

    message = str(raised.value)
    url = f"{file_server.base_url}{LAPOSTE_PATH}"
    assert f"laposte_hexasmal.csv from {url}: HTTP 404" in message
    assert "REFDATA_DIR" in message
    assert str(cache) in message
    assert message.count("HTTP") == 1
    assert not list(cache.glob(".*.part"))  # no half-written file left behind


def test_nothing_reachable_names_every_file_tried(tmp_path: Path, file_server: FileServer) -> None:
    with pytest.raises(RefdataUnavailableError) as raised:
        load_referential(fetching_settings(file_server.base_url, tmp_path / "cache"))
    assert str(raised.value).count("HTTP 404") == len(DATA_FILES)


def test_a_host_that_does_not_answer_is_tried_once(tmp_path: Path, file_server: FileServer) -> None:
    file_server.stop()  # nothing listens on its port any more

    with pytest.raises(RefdataUnavailableError) as raised:
        load_referential(fetching_settings(file_server.base_url, tmp_path / "cache"))

    message = str(raised.value)
    assert message.count("ConnectError") == 1
    assert message.count("not tried, 127.0.0.1 did not answer") == len(DATA_FILES) - 1


def test_an_error_page_served_with_200_is_not_cached(
    tmp_path: Path, file_server: FileServer, synthetic_files: dict[str, bytes]
) -> None:
    cache = tmp_path / "cache"
    file_server.routes.update(routes_for(synthetic_files))
    file_server.routes[LAPOSTE_PATH] = b"<!doctype html><title>Maintenance</title>"

    with pytest.raises(RefdataUnavailableError, match="expected columns"):
        load_referential(fetching_settings(file_server.base_url, cache))

    assert not (cache / "laposte_hexasmal.csv").exists()
    assert (cache / "rome_labels.csv").exists()


def test_refdata_dir_is_read_as_is(synthetic_folder: Path, tmp_path: Path) -> None:
    settings = RefdataSettings(dir=synthetic_folder, cache=tmp_path / "unused")
    assert locate_data_dir(settings) == synthetic_folder
    assert not (tmp_path / "unused").exists()


def test_an_incomplete_refdata_dir_names_the_missing_files(synthetic_folder: Path) -> None:
    (synthetic_folder / "ogr_labels.csv").unlink()
    with pytest.raises(RefdataUnavailableError, match=r"lacks ogr_labels\.csv"):
        locate_data_dir(RefdataSettings(dir=synthetic_folder))


def test_settings_come_from_refdata_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REFDATA_DIR", str(tmp_path))
    monkeypatch.setenv("REFDATA_CACHE", "~/somewhere")
    settings = RefdataSettings()
    assert settings.dir == tmp_path
    assert settings.cache == Path.home() / "somewhere"


def test_the_default_cache_is_under_the_user_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REFDATA_CACHE", raising=False)
    assert RefdataSettings().cache == Path.home() / ".cache" / "tremplin" / "refdata"


def test_the_checkout_data_folder_sits_beside_the_workspace(tmp_path: Path) -> None:
    workspace = tmp_path / "checkout"
    package = workspace / "libs" / "refdata" / "src" / "refdata"
    package.mkdir(parents=True)
    (workspace / "libs" / "refdata" / "pyproject.toml").write_text('[project]\nname = "refdata"\n')
    (workspace / "pyproject.toml").write_text("[tool.uv.workspace]\nmembers = ['libs/*']\n")
    assert checkout_data_dir(package) is None
    data = tmp_path / "shared" / "data"
    data.mkdir(parents=True)
    assert checkout_data_dir(package) == data
