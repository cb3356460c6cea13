"""The emulator server stops at once and leaves nothing behind once it is stopped."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.emulator import start_emulator
from tools.local_postgres import PostgresServer


def test_snapshot_dumps_live_as_long_as_the_emulator() -> None:
    unused = PostgresServer(host="127.0.0.1", port=9, bin_dir="/nonexistent")  # not contacted without a data call
    emulator = start_emulator(postgres=unused)
    assert emulator.snapshot_dumps is not None
    dumps = Path(emulator.snapshot_dumps.name)
    try:
        assert dumps.is_dir() and dumps.name.startswith("cc-emulator-rds-")
    finally:
        emulator.stop()
    assert emulator.process.returncode == 0 and not dumps.exists()


def test_the_server_itself_writes_nothing_to_the_temporary_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # the server's, a child process's
    start_emulator().stop()
    assert list(tmp_path.iterdir()) == []
