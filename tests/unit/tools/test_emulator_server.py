"""The emulator server leaves nothing behind in the temporary directory once it is stopped."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.emulator import start_emulator
from tools.local_postgres import PostgresServer


def test_snapshot_dumps_live_and_go_with_the_emulator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    unused = PostgresServer(host="127.0.0.1", port=9, bin_dir="/nonexistent")  # not contacted without a data call
    emulator = start_emulator(postgres=unused)
    try:
        assert [p.name.startswith("cc-emulator-rds-") for p in tmp_path.iterdir()] == [True]
    finally:
        emulator.stop()
    assert list(tmp_path.iterdir()) == []


def test_without_a_postgres_server_no_directory_is_made(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    start_emulator().stop()
    assert list(tmp_path.iterdir()) == []
