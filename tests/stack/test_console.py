"""What the stack says about its files: a log's tail, paths relative to the repository."""

import threading
import time
from pathlib import Path

import pytest
from stacklib import console, settings


def test_the_tail_of_a_log_is_its_last_lines_indented(tmp_path: Path) -> None:
    log = tmp_path / "kafka.log"
    log.write_text("".join(f"line {n}\n" for n in range(100)))
    assert console.tail(log, 2) == "    line 98\n    line 99"
    assert console.tail(tmp_path / "gone.log").endswith("does not exist)")
    (tmp_path / "empty.log").write_text("")
    assert console.tail(tmp_path / "empty.log") == "    (empty)"


def test_paths_inside_the_repository_are_shown_relative() -> None:
    assert console.rel(settings.REPO / "deploy" / "local") == "deploy/local"
    assert console.rel(Path("/elsewhere")) == "/elsewhere"


def test_a_digest_tells_its_parts_apart() -> None:
    assert console.sha256_of(b"ab", b"c") != console.sha256_of(b"a", b"bc")


def test_the_lock_lets_one_step_at_a_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(console, "RUN_DIR", tmp_path)
    inside: list[int] = []
    overlaps: list[int] = []

    def step() -> None:
        with console.stack_lock():
            inside.append(1)
            if len(inside) > 1:
                overlaps.append(1)
            time.sleep(0.05)
            inside.pop()

    threads = [threading.Thread(target=step) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert overlaps == []
