"""Hostile and malformed input: always one located problem, never a traceback or a silent pass."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grader.errors import InputError
from grader.loading.evidence import load_evidence
from grader.loading.pack import load_pack
from grader.loading.yamlsrc import load_yaml

YAML_ERRORS = Path(__file__).resolve().parent.parent.parent / "shared" / "testdata" / "yaml-test-suite-errors"

SUITE = sorted(YAML_ERRORS.glob("*.yaml"))


def test_the_shared_yaml_error_suite_is_present() -> None:
    assert len(SUITE) > 50


def _evidence_with(tmp_path: Path, evidence_dir: Path, text: bytes) -> Path:
    dst = tmp_path / "set"
    shutil.copytree(evidence_dir, dst)
    (dst / "items" / "enforcement.yaml").write_bytes(text)
    return dst


def _pack_with(tmp_path: Path, pack_dir: Path, text: bytes) -> Path:
    dst = tmp_path / "pack"
    shutil.copytree(pack_dir, dst)
    (dst / "criteria" / "ENF-01.yaml").write_bytes(text)
    return dst


@pytest.mark.parametrize("case", SUITE, ids=[p.stem for p in SUITE])
def test_yaml_suite_error_as_evidence_file(case: Path, tmp_path: Path, evidence_dir: Path) -> None:
    root = _evidence_with(tmp_path, evidence_dir, case.read_bytes())
    with pytest.raises(InputError) as exc:
        load_evidence(root)
    p = exc.value.problems[0]
    assert p.file.endswith("enforcement.yaml")
    assert p.message


@pytest.mark.parametrize("case", SUITE, ids=[p.stem for p in SUITE])
def test_yaml_suite_error_as_rule_file(case: Path, tmp_path: Path, pack_dir: Path) -> None:
    root = _pack_with(tmp_path, pack_dir, case.read_bytes())
    with pytest.raises(InputError) as exc:
        load_pack(root)
    assert any(p.file.endswith("ENF-01.yaml") for p in exc.value.problems)


HOSTILE = {
    "tab-indent": (b"items:\n\t- id: x\n", "YAML-001"),
    "duplicate-key": (b"items: []\nitems: []\n", "YAML-008"),
    "python-tag": (b"items: !!python/object/apply:os.system ['true']\n", "YAML-003"),
    "custom-tag": (b"items: !include other.yaml\n", "YAML-003"),
    "not-utf8": (b"items: [\xff\xfe]\n", "LOAD-003"),
    "nul-bytes": (b"items: []\x00\n", "LOAD-003"),
    "two-documents": (b"items: []\n---\nitems: []\n", "YAML-002"),
    "alias-bomb": (
        b"a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        + b"".join(f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n".encode() for i in range(7))
        + b"items: *h\n",
        "YAML-005",
    ),
    "deep-nesting": (b"items: " + b"[" * 200 + b"]" * 200 + b"\n", "YAML-004"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_yaml(name: str, tmp_path: Path) -> None:
    text, code = HOSTILE[name]
    path = tmp_path / f"{name}.yaml"
    path.write_bytes(text)
    with pytest.raises(InputError) as exc:
        load_yaml(path)
    assert exc.value.problems[0].code == code, exc.value.problems[0].line_text()
    assert exc.value.problems[0].line_text().startswith(str(path).lstrip("/")) or str(path) in exc.value.problems[0].line_text()


def test_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbfitems: []\n")
    assert load_yaml(path).data == {"items": []}


def test_yaml_1_1_booleans_are_text(tmp_path: Path) -> None:
    path = tmp_path / "b.yaml"
    path.write_text("a: yes\nb: no\nc: true\nd: 2008-07-01\ne: '2008-07-01'\nf: 0o17\n", encoding="utf-8")
    data = load_yaml(path).data
    assert data["a"] == "yes" and data["b"] == "no" and data["c"] is True
    assert str(data["d"]) == "2008-07-01" and data["e"] == "2008-07-01" and data["f"] == 15


def test_huge_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    with path.open("wb") as fh:
        fh.truncate(50 * 1024 * 1024)
    with pytest.raises(InputError) as exc:
        load_yaml(path)
    assert exc.value.problems[0].code == "LOAD-002"


def test_a_multi_operator_test_is_refused_not_truncated(tmp_path: Path, pack_dir: Path) -> None:
    """durable-rules would silently test only the first key; grader refuses the rule."""
    crit = (pack_dir / "criteria" / "ENF-01.yaml").read_text(encoding="utf-8")
    broken = crit.replace("equals: true", "equals: true, not_equals: false", 1)
    assert broken != crit
    root = _pack_with(tmp_path, pack_dir, broken.encode())
    with pytest.raises(InputError) as exc:
        load_pack(root)
    assert any(p.code == "RULE-106" for p in exc.value.problems)


def test_unknown_fact_in_a_rule_suggests_the_declared_one(tmp_path: Path, pack_dir: Path) -> None:
    crit = (pack_dir / "criteria" / "ENF-01.yaml").read_text(encoding="utf-8")
    broken = crit.replace("fact: gold_groups_convened", "fact: gold_group_convened", 1)
    assert broken != crit
    root = _pack_with(tmp_path, pack_dir, broken.encode())
    with pytest.raises(InputError) as exc:
        load_pack(root)
    text = "\n".join(p.line_text() for p in exc.value.problems)
    assert "unknown fact 'gold_group_convened'; did you mean 'gold_groups_convened'?" in text


def test_criterion_id_with_path_separator_is_refused(tmp_path: Path, pack_dir: Path) -> None:
    crit = (pack_dir / "criteria" / "ENF-01.yaml").read_text(encoding="utf-8")
    root = _pack_with(tmp_path, pack_dir, crit.replace("id: ENF-01", "id: ../ENF-01", 1).encode())
    with pytest.raises(InputError) as exc:
        load_pack(root)
    assert any("ENF-01.yaml" in p.file and p.field == "id" for p in exc.value.problems)
