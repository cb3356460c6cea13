"""`python main.py` (what `make synth` and `cdktf synth` run) refuses broken env files before writing."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
PROJECT_CODE = ("main.py", "envs", "modules", "stacks", "tools")


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    for name in PROJECT_CODE:
        source = REPO_ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, tmp_path / name)
    return tmp_path


def run_main(cwd: Path, envs: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "main.py"],
        cwd=cwd,
        env={"PLATFORM_ENVS": envs, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_broken_env_file_gives_one_line_and_writes_nothing(project_copy: Path) -> None:
    prod = project_copy / "envs" / "prod.toml"
    prod.write_text(prod.read_text().replace("multi_az = true", "multi_az = false"))

    result = run_main(project_copy)

    assert result.returncode == 2
    assert result.stderr == "error: envs/prod.toml: rds.multi_az: production requires Multi-AZ\n"
    assert not (project_copy / "cdktf.out").exists()


def test_unknown_environment_is_refused(project_copy: Path) -> None:
    result = run_main(project_copy, envs="dev,qa")

    assert result.returncode == 2
    assert result.stderr.startswith("error: unknown environment 'qa'")
    assert not (project_copy / "cdktf.out").exists()
