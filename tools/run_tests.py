"""``make test``: the emulator level beside the other levels, two pytest processes at once.

Why two processes: the emulator level sets the wall time (a deploy is mostly the provider's fixed
waits, tools/provider_waits.py), while unit, functions and validate compute; run one after the
other they add up, side by side the computing levels use the CPU the emulator level leaves idle.
The computing levels run at a lower priority so that they never slow the emulator level down.
(pytest-xdist's ``--dist loadgroup`` would do this in one process, but with pytest 9.2 it no longer
keeps a group on one worker.)

Each process writes to its own log; the logs are printed whole when a process ends, so the output
stays readable and in a fixed order (computing levels first, then the emulator), with a line every
minute while they run. Exit 0 when both passed, else the first failing process's exit code.

Usage: ``python -m tools.run_tests [PYTEST ARGS...]`` (extra arguments go to both processes).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tools.terraform import BACKGROUND_NICENESS

ROOT = Path(__file__).resolve().parent.parent
HEARTBEAT_SECONDS = 60


@dataclass(frozen=True)
class Level:
    """One pytest process: a name for the logs, its marker expression, and its niceness."""

    name: str
    markers: str
    folders: tuple[str, ...]  # what it collects when run without arguments (the markers come from them)
    niceness: int = 0
    options: tuple[str, ...] = ()  # more pytest options for this process


LEVELS = (
    Level("unit + functions + validate", "unit or functions or validate",
          ("tests/unit", "tests/functions", "tests/validate"), BACKGROUND_NICENESS),
    # Without Hypothesis's plugin: no emulator test uses it, and its end-of-session summary imports
    # Hypothesis (a second of CPU after the level's last test, on make test's longest path).
    Level("emulator", "emulator", ("tests/emulator",), options=("-p", "no:hypothesispytest")),
)  # fmt: skip


def start(level: Level, extra: Sequence[str], log: Path) -> subprocess.Popen[bytes]:
    # Without arguments each process collects only its own folders: the emulator level would
    # otherwise import every test module of the others (3 s) to deselect them. Arguments (a test's
    # path, -k) go to both processes as given, and pytest collects what they say.
    command = [sys.executable, "-m", "pytest", *level.options, "-m", level.markers, *(extra or level.folders)]
    niceness = level.niceness

    def lower_priority() -> None:
        if niceness:
            os.nice(niceness)

    with log.open("wb") as output:
        return subprocess.Popen(command, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT, preexec_fn=lower_priority)


def run(extra: Sequence[str]) -> int:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="tests-") as folder:
        logs = {level: Path(folder) / f"{index}.log" for index, level in enumerate(LEVELS)}
        running = {level: start(level, extra, logs[level]) for level in LEVELS}
        codes: dict[Level, int] = {}
        next_beat = started + HEARTBEAT_SECONDS
        while len(codes) < len(LEVELS):
            for level, process in running.items():
                if level not in codes and process.poll() is not None:
                    codes[level] = process.returncode
                    print(
                        f"== {level.name}: exit {process.returncode} after {time.monotonic() - started:.0f} s",
                        flush=True,
                    )
            if time.monotonic() >= next_beat:
                waiting = ", ".join(level.name for level in LEVELS if level not in codes)
                print(f"   still running after {time.monotonic() - started:.0f} s: {waiting}", flush=True)
                next_beat += HEARTBEAT_SECONDS
            time.sleep(0.5)
        for level in LEVELS:
            print(f"\n======== {level.name} ========", flush=True)
            sys.stdout.write(logs[level].read_text(errors="replace"))
    print(f"\nall levels done in {time.monotonic() - started:.0f} s", flush=True)
    # 5 is pytest's "no tests collected": expected when extra arguments select tests of one level only.
    passed = {0, 5} if extra else {0}
    failed = [codes[level] for level in LEVELS if codes[level] not in passed]
    return failed[0] if failed else 0


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
