"""The YAML test suite's error cases (../shared/testdata/yaml-test-suite-errors): every one is a
located problem, and through the CLI an exit 65.

tests/test_hostile_input.py checks that each case, as an evidence file and as a rule file, is
refused. This adds where: the YAML reader refuses most cases itself at a line and column; a few
are invalid YAML that the parser (libyaml) reads anyway, and for those the schema refuses the
result, still at a line, through the CLI, as an evidence file and as a rule file.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from grader.bundled import default_evidence, default_pack
from grader.cli import app
from grader.errors import EXIT_INPUT_ERROR, InputError
from grader.loading.yamlsrc import load_yaml

SUITE_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "testdata" / "yaml-test-suite-errors"
SUITE = sorted(SUITE_DIR.glob("*.yaml"))
LOCATED = re.compile(r"^[^:\n]+:\d+:\d+: [A-Z]+-\d{3} \S")
runner = CliRunner()


def _parser_accepts(case: Path) -> bool:
    try:
        load_yaml(case)
    except InputError:
        return False
    return True


ACCEPTED_BY_PARSER = [c for c in SUITE if _parser_accepts(c)]


def test_the_suite_is_there() -> None:
    assert len(SUITE) > 50


@pytest.mark.parametrize("case", SUITE, ids=[c.stem for c in SUITE])
def test_the_yaml_reader_locates_what_it_refuses(case: Path) -> None:
    try:
        load_yaml(case, "case.yaml")
    except InputError as exc:
        first = exc.problems[0]
        assert first.line is not None and first.column is not None, first.line_text()
        assert LOCATED.match(first.line_text()), first.line_text()
    else:
        assert case in ACCEPTED_BY_PARSER


def test_only_a_few_invalid_documents_get_past_the_parser() -> None:
    """libyaml reads a handful of the suite's invalid documents; they are named here so that a
    change (a stricter reader, or a laxer one) is noticed."""
    assert len(ACCEPTED_BY_PARSER) <= 12, [c.stem for c in ACCEPTED_BY_PARSER]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("suite")
    shutil.copytree(default_evidence(), root / "set")
    shutil.copytree(default_pack(), root / "pack")
    return root / "set", root / "pack"


@pytest.mark.parametrize("where", ["set/items/enforcement.yaml", "pack/criteria/ENF-01.yaml"])
@pytest.mark.parametrize("case", ACCEPTED_BY_PARSER, ids=[c.stem for c in ACCEPTED_BY_PARSER])
def test_what_the_parser_lets_through_the_schema_refuses_at_a_line(case: Path, where: str,
                                                                   workspace: tuple[Path, Path]) -> None:
    evidence, pack = workspace
    target = evidence.parent / where
    original = target.read_bytes()
    target.write_bytes(case.read_bytes())
    try:
        res = runner.invoke(app, ["grade", str(evidence), "--rules", str(pack)])
    finally:
        target.write_bytes(original)
    assert res.exit_code == EXIT_INPUT_ERROR, res.output
    assert "Traceback" not in res.output
    first = res.output.strip().splitlines()[0]
    assert LOCATED.match(first) and where.split("/", 1)[1] in first, first
