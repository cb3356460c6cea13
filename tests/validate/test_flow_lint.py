"""The flows as deployed pass a public flow linter from PyPI (`connect-flow lint`, not ours)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from envs import EnvConfig
from modules.connect_flows.layout import with_layout
from modules.connect_flows.templates import load_templates, render, stand_ins
from modules.naming import Function

LINTER = Path(sys.executable).parent / "connect-flow"


def test_every_envs_rendered_flows_pass_connect_flow_lint(configs: dict[str, EnvConfig], tmp_path: Path) -> None:
    templates = load_templates()
    written = []
    for config in configs.values():
        references = stand_ins(config, templates, [f.value for f in Function])
        for template in templates:
            path = tmp_path / config.name / f"{template.name}.json"
            path.parent.mkdir(exist_ok=True)
            path.write_text(json.dumps(with_layout(render(template, config, references)), indent=2))
            written.append(path)
    linted = subprocess.run([str(LINTER), "lint", *map(str, written)], capture_output=True, text=True, check=False)
    assert linted.returncode == 0, linted.stdout + linted.stderr
    assert linted.stdout.count("OK ") == len(written) == len(templates) * len(configs)


def test_the_linter_is_not_a_rubber_stamp(tmp_path: Path) -> None:
    broken = {"Version": "2019-10-30", "StartAction": "a", "Metadata": {"ActionMetadata": {}},
              "Actions": [{"Identifier": "a", "Type": "MessageParticipant", "Parameters": {"Text": "hi"},
                           "Transitions": {"NextAction": "gone"}}]}  # fmt: skip
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken))
    linted = subprocess.run([str(LINTER), "lint", str(path)], capture_output=True, text=True, check=False)
    assert linted.returncode != 0 and "gone" in linted.stdout + linted.stderr
