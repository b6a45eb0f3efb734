"""The corpus of bad inputs, each run through the CLI: a located one-line error and exit 65.

Every file under corpus/ replaces one file of a copy of the bundled evidence set or pack
(corpus/evidence/* -> items/enforcement.yaml, corpus/rules/* -> criteria/ENF-01.yaml,
corpus/manifests/* -> the file its name says); `grader grade` must then print each problem as
``file:line:col: CODE message`` on one line, exit 65, write no result and never show a
traceback. Cases too big to keep in the repository (a 50 MB file, megabyte-long strings) are
made by the tests. tests/test_hostile_input.py covers the loaders directly and the YAML test
suite's own error cases; these add the CLI contract and the cases it did not have.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from grader.bundled import default_evidence, default_pack
from grader.cli import app
from grader.errors import EXIT_INPUT_ERROR

CORPUS = Path(__file__).resolve().parent / "corpus"
runner = CliRunner()

#: ``file[:line[:col]]: CODE message``: one located problem per line.
LOCATED = re.compile(r"^(?P<file>[^:\n]+?)(?::(?P<line>\d+)(?::(?P<col>\d+))?)?: (?P<code>[A-Z]+-\d{3}) \S")

ITEMS = "items/enforcement.yaml"
CRITERION = "criteria/ENF-01.yaml"

#: corpus file -> (file it replaces, expected code, expected line or None for a whole-file problem)
CASES: dict[str, tuple[str, str, int | None]] = {
    "evidence/alias-bomb.yaml": (ITEMS, "YAML-005", 2),
    "evidence/custom-tag.yaml": (ITEMS, "YAML-003", 13),
    "evidence/deep-nesting.yaml": (ITEMS, "YAML-004", 13),
    "evidence/duplicate-key.yaml": (ITEMS, "YAML-008", 13),
    "evidence/empty.yaml": (ITEMS, "EVID-010", None),
    "evidence/malformed.yaml": (ITEMS, "YAML-001", 12),
    "evidence/not-a-mapping.yaml": (ITEMS, "EVID-010", 2),
    "evidence/not-utf8.yaml": (ITEMS, "LOAD-003", 13),
    "evidence/nul-byte.yaml": (ITEMS, "LOAD-003", None),
    "evidence/only-comments.yaml": (ITEMS, "EVID-010", None),
    "evidence/path-separator-criterion.yaml": (ITEMS, "EVID-014", 11),
    "evidence/python-tag.yaml": (ITEMS, "YAML-003", 13),
    "evidence/tabs.yaml": (ITEMS, "YAML-001", 12),
    "evidence/two-documents.yaml": (ITEMS, "YAML-002", 19),
    "evidence/unknown-kind.yaml": (ITEMS, "EVID-014", 12),
    "evidence/unknown-list.yaml": (ITEMS, "EVID-014", 17),
    "evidence/unknown-marking.yaml": (ITEMS, "EVID-014", 13),
    "evidence/wrong-type-date.yaml": (ITEMS, "EVID-014", 13),
    "evidence/wrong-type-fact.yaml": (ITEMS, "EVID-024", 15),
    "evidence/wrong-type-verified.yaml": (ITEMS, "EVID-014", 13),
    "rules/duplicate-key.yaml": (CRITERION, "YAML-008", 12),
    "rules/empty.yaml": (CRITERION, "CRIT-001", None),
    "rules/malformed.yaml": (CRITERION, "YAML-001", 15),
    "rules/not-utf8.yaml": (CRITERION, "LOAD-003", 4),
    "rules/path-separator-id.yaml": (CRITERION, "CRIT-003", 2),
    "rules/python-tag.yaml": (CRITERION, "YAML-003", 8),
    "rules/tabs.yaml": (CRITERION, "YAML-001", 16),
    "rules/unknown-fact.yaml": (CRITERION, "RULE-108", 14),
    "rules/unknown-operator.yaml": (CRITERION, "RULE-105", 14),
    "rules/unknown-outcome.yaml": (CRITERION, "CRIT-006", 17),
    "rules/unknown-scope.yaml": (CRITERION, "RULE-133", 20),
    "rules/wrong-type-at-least.yaml": (CRITERION, "RULE-137", 20),
    "rules/wrong-type-equals.yaml": (CRITERION, "RULE-118", 14),
    "rules/wrong-type-significant.yaml": (CRITERION, "CRIT-003", 8),
    "manifests/empty-evidence-set.yaml": ("evidence-set.yaml", "EVID-002", None),
    "manifests/empty-pack.yaml": ("pack.yaml", "PACK-002", None),
    "manifests/empty-facts.yaml": ("facts/common.yaml", "PACK-010", None),
}

#: Files that are unusual but valid: they must grade (exit 0).
ACCEPTED = {"evidence/bom.yaml": ITEMS, "rules/bom.yaml": CRITERION, "rules/regex-lookalike.yaml": CRITERION}


def test_every_corpus_file_has_a_case() -> None:
    files = {p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*.yaml")}
    assert files == set(CASES) | set(ACCEPTED)


def _workspace(tmp_path: Path, target: str, data: bytes) -> tuple[Path, Path]:
    """Copies of the bundled set and pack with ``target`` replaced by ``data``."""
    evidence, pack = tmp_path / "set", tmp_path / "pack"
    shutil.copytree(default_evidence(), evidence)
    shutil.copytree(default_pack(), pack)
    in_set = target == "evidence-set.yaml" or target.startswith("items/")
    (evidence if in_set else pack).joinpath(target).write_bytes(data)
    return evidence, pack


def _assert_located_failure(tmp_path: Path, target: str, data: bytes, code: str, line: int | None) -> list[str]:
    evidence, pack = _workspace(tmp_path, target, data)
    out = tmp_path / "result.json"
    res = runner.invoke(app, ["grade", str(evidence), "--rules", str(pack), "--out", str(out)])
    assert res.exit_code == EXIT_INPUT_ERROR, res.output
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    assert "Traceback" not in res.output
    assert not out.exists(), "a failed run must not write a result"
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert lines
    for ln in lines:
        assert LOCATED.match(ln), f"not a located one-line problem: {ln[:200]!r}"
    wanted = [ln for ln in lines if (m := LOCATED.match(ln)) and m["code"] == code and m["file"].endswith(target)]
    assert wanted, f"no {code} for {target} in:\n" + "\n".join(lines)
    m = LOCATED.match(wanted[0])
    assert m is not None
    assert (int(m["line"]) if m["line"] else None) == line, wanted[0]
    return lines


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_gives_a_located_line_and_exit_65(case: str, tmp_path: Path) -> None:
    target, code, line = CASES[case]
    _assert_located_failure(tmp_path, target, (CORPUS / case).read_bytes(), code, line)


def test_a_50_mb_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    evidence, pack = _workspace(tmp_path, ITEMS, b"")
    big = evidence / ITEMS
    with big.open("wb") as fh:  # sparse: 50 MB on paper, nothing on disk
        fh.truncate(50 * 1024 * 1024)
    res = runner.invoke(app, ["grade", str(evidence), "--rules", str(pack)])
    assert res.exit_code == EXIT_INPUT_ERROR
    (line,) = [ln for ln in res.output.splitlines() if ln.strip()]
    assert LOCATED.match(line) and "LOAD-002" in line and "52,428,800 bytes" in line


def _valid_items() -> str:
    """A small valid item file (the BOM case without its BOM): ENF-01-S1 starts at line 10."""
    return (CORPUS / "evidence" / "bom.yaml").read_bytes().removeprefix(b"\xef\xbb\xbf").decode()


@pytest.mark.parametrize(
    ("old", "new", "code", "line"),
    [
        ("statement: Gold groups", "statement: " + "x" * 2_000_000 + " Gold groups", "EVID-014", 13),
        ("- id: ENF-01-S1", "- id: ENF-01-S1" + "9" * 500_000, "EVID-014", 10),
        ("    kind: strength\n", "    kind: strength\n    " + "k" * 100_000 + ": 1\n", "YAML-001", 13),
        # named at the line that lacks its ':' (13), not the line after it where the parser gave up
        ("    kind: strength\n", "    kind: strength\n    " + "k " * 500_000 + "\n", "YAML-001", 13),
    ],
    ids=["statement-2mb", "id-500k", "key-100k", "words-1mb-no-colon"],
)
def test_very_long_strings_give_one_short_line(old: str, new: str, code: str, line: int, tmp_path: Path) -> None:
    base = _valid_items()
    assert old in base
    lines = _assert_located_failure(tmp_path, ITEMS, base.replace(old, new, 1).encode(), code, line)
    assert all(len(ln) < 1000 for ln in lines), "a long value must not be echoed whole"


@pytest.mark.parametrize("case", ["evidence/bom.yaml", "rules/bom.yaml"])
def test_a_byte_order_mark_is_accepted_and_changes_nothing(case: str, tmp_path: Path) -> None:
    target = ACCEPTED[case]
    data = (CORPUS / case).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    graded = {}
    for name, content in (("with", data), ("without", data[3:])):
        evidence, pack = _workspace(tmp_path / name, target, content)
        res = runner.invoke(app, ["grade", str(evidence), "--rules", str(pack), "--format", "json"])
        assert res.exit_code == 0, res.output
        result = json.loads(res.stdout)
        graded[name] = (result["criteria"], result["pillars"], result["overall"], result["evidence"])
    assert graded["with"] == graded["without"]


def test_a_regex_lookalike_in_text_is_literal_and_finishes(tmp_path: Path) -> None:
    """`text: "(a+)+$"` would backtrack catastrophically as a regex on "aaaa...!"; grader searches
    for those characters literally. Run in a subprocess with a generous timeout so a hang fails
    the test instead of stalling CI (no timing is asserted)."""
    evidence, pack = _workspace(tmp_path, CRITERION, (CORPUS / "rules" / "regex-lookalike.yaml").read_bytes())
    items = evidence / ITEMS
    items.write_text(
        _valid_items()
        + "  - id: ENF-01-S2\n    criteria: [ENF-01]\n    kind: strength\n"
        + "    statement: " + "a" * 3990 + "!\n"
        + "    source: {section: \"Enforcement, summary 1\", list: strengths, item: 2}\n"
        + "  - id: ENF-01-S3\n    criteria: [ENF-01]\n    kind: strength\n"
        + "    statement: \"The minutes quote the string (A+)+$ verbatim.\"\n"
        + "    source: {section: \"Enforcement, summary 1\", list: strengths, item: 3}\n",
        encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "grader", "grade", str(evidence), "--rules", str(pack),
                           "--format", "json"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    finding = next(c for c in json.loads(proc.stdout)["criteria"] if c["criterion"] == "ENF-01")
    assert finding["outcome"] == "meets"
    assert finding["evidence"] == ["ENF-01-S3"]
