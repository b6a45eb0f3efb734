"""Helpers for the judgement tests: a copy of the Derbyshire set with judgements written into it,
and the CLI run in-process."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from grader.bundled import default_evidence, default_pack
from grader.cli import app

#: The acceptance case: the rules give INT-06 meets; the inspectors decided it fails.
INT06_FAILS = """
  - target: INT-06
    outcome: fails
    rule_outcome: meets
    reason: >-
      The register exists (INT-06-S1) but on interview two major crime risks on it had no
      current action plan, so the standard is not met.
    by: A. Inspector
    role: Lead inspector
    date: 2008-07-20
"""

#: A judgement made when ENF-01 gave fails; the rules give meets.
ENF01_STALE = """
  - target: ENF-01
    outcome: meets
    rule_outcome: fails
    reason: The force showed the inspectors a plan that the evidence set does not hold.
    by: A. Inspector
    role: Lead inspector
    date: 2008-07-20
"""


def copy_set(tmp: Path, name: str = "derbyshire-2008") -> Path:
    """A copy of the bundled Derbyshire set in ``tmp``."""
    target = tmp / name
    shutil.copytree(default_evidence(), target)
    return target


def copy_pack(tmp: Path, policy_judgements: str | None = None) -> Path:
    """A copy of the bundled pack; ``policy_judgements`` (YAML lines) becomes its policy.judgements."""
    target = tmp / "acpo-major-crime-2008"
    shutil.copytree(default_pack(), target)
    if policy_judgements is not None:
        manifest = target / "pack.yaml"
        text = manifest.read_text(encoding="utf-8")
        anchor = "  mitigated_as: meets\n"
        assert anchor in text
        block = "  judgements:\n" + textwrap.indent(textwrap.dedent(policy_judgements).strip() + "\n", "    ")
        manifest.write_text(text.replace(anchor, anchor + block), encoding="utf-8")
    return target


def write_judgements(folder: Path, *entries: str, name: str = "judgements.yaml") -> Path:
    """``judgements.yaml`` in ``folder`` holding ``entries`` (each a list item as YAML text)."""
    path = folder / name
    path.write_text("judgements:\n" + "".join(e.lstrip("\n") for e in entries), encoding="utf-8")
    return path


def grader(*args: str | Path) -> tuple[int, str, str]:
    """Run ``grader ARGS`` in-process: (exit code, stdout, stderr), on a console wide enough that
    no sentence the tests look for is wrapped (tests/test_terminal_width.py tests the wrapping)."""
    res = CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "400"})
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        raise res.exception
    return res.exit_code, res.stdout, res.stderr


def grade_json(evidence: Path, *more: str | Path) -> dict[str, Any]:
    """``grader grade EVIDENCE --format json`` as data (the run must succeed)."""
    code, out, err = grader("grade", evidence, "--format", "json", *more)
    assert code == 0, err
    return json.loads(out)


def finding(result: dict[str, Any], criterion: str) -> dict[str, Any]:
    return next(c for c in result["criteria"] if c["criterion"] == criterion)


def pillar(result: dict[str, Any], pillar_id: str) -> dict[str, Any]:
    return next(p for p in result["pillars"] if p["id"] == pillar_id)
