"""Following every process's log, each line under its name."""

from __future__ import annotations

import sys
import time

from stacklib.procs import Proc

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
