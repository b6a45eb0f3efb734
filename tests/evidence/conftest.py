"""Fixtures for the evidence-format tests (see evkit.py for the writers)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import evkit  # noqa: E402

from grader.loading.evidence import load_evidence  # noqa: E402
from grader.models.evidence import EvidenceSet  # noqa: E402


@pytest.fixture(scope="session")
def curated(evidence_dir: Path) -> EvidenceSet:
    """The bundled Derbyshire 2008 set, as loaded from its YAML folder."""
    return load_evidence(evidence_dir).evidence


@pytest.fixture(scope="session")
def curated_json(evidence_dir: Path, pack_dir: Path) -> dict:
    """The bundled set's result as JSON data, without meta.inputs."""
    return evkit.result_json(evidence_dir, pack_dir)


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory, pack_dir: Path) -> Path:
    """A capture workbook made by `grader evidence template` for the bundled pack."""
    from typer.testing import CliRunner

    from grader.cli import app

    path = tmp_path_factory.mktemp("template") / "capture.xlsx"
    res = CliRunner().invoke(app, ["evidence", "template", "--xlsx", str(path), "--rules", str(pack_dir)])
    assert res.exit_code == 0, res.output
    return path
