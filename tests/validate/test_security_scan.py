"""checkov over every stack of dev, staging and prod: zero unexplained findings, no stale skips."""

from __future__ import annotations

from pathlib import Path

from tools.security_scan import load_skips, render, scan


def test_every_checkov_finding_is_fixed_or_skipped_with_a_reason(full_synth: Path) -> None:
    report = scan(full_synth / "stacks")
    print(render(report))
    assert report.passed > 0, "checkov evaluated nothing: the scan proves nothing"
    assert not report.failures, render(report)
    assert not report.unused_skips, render(report)


def test_skip_list_is_short_and_every_entry_is_justified() -> None:
    skips = load_skips()
    # The entries cover all seven stacks of three envs; the cap makes every new entry a decision.
    # 21 since the audit trail (2026-11): its bucket is not replicated yet, and it sends no SNS
    # message per log file (both entries say why).
    assert len(skips) <= 21, "the skip list is meant to stay short; fix findings instead"
    for skip in skips:
        assert len(skip.reason) >= 40, f"{skip}: the reason must explain the decision"
        assert all(pattern not in ("*", "*.*") for pattern in skip.resources), f"{skip}: blanket resource pattern"
