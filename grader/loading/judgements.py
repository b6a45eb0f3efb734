"""Read the inspectors' records that live with an evidence set: judgements and sign-offs.

Where they are:

- a set **folder**: ``judgements.yaml`` and ``signoffs.yaml`` in the folder, beside
  ``evidence-set.yaml``;
- a **one-file** set (``NAME.yaml``, ``NAME.csv``, ``NAME.xlsx``): ``NAME.judgements.yaml`` and
  ``NAME.signoffs.yaml`` beside it;
- a **capture workbook** may instead keep its judgements on its ``Judgements`` sheet (one a row;
  located by sheet, row and column). A set keeps its judgements in one place: a workbook whose
  sheet holds judgements *and* a ``NAME.judgements.yaml`` is an error, never a silent choice;
- ``--judgements FILE`` names the judgements file instead (for a set kept somewhere read-only,
  or to try a judgement out).

Both files are optional. Their shapes are validated here (every mistake located, like all
input); whether a judgement's target and outcomes exist in the pack is checked when it is
applied (:mod:`grader.grading.judgements`), where the pack is known. A ``signoffs.yaml`` that
cannot be read is an error, never an empty list: a damaged record must not look unsigned and
then be overwritten by the next sign-off.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from grader.errors import InputError, Problem, Severity, raise_if_errors
from grader.loading.files import display_path, input_file
from grader.loading.tablesrc import TableLocator, validate_located
from grader.loading.validate import validate_model
from grader.loading.yamlsrc import PathKey, YamlDocument, load_yaml
from grader.models.common import InputFile
from grader.models.judgement import Judgement, JudgementsFile, SignOff, SignOffsFile

JUDGEMENTS = "judgements.yaml"
SIGNOFFS = "signoffs.yaml"


@dataclass
class LoadedJudgements:
    """The judgements and sign-offs of one evidence set, with where each judgement was written."""

    judgements: list[Judgement] = field(default_factory=list)
    doc: YamlDocument | None = None
    #: For judgements read from a workbook's Judgements sheet: the cells of each (else None).
    rows: list[TableLocator] | None = None
    files: list[InputFile] = field(default_factory=list)
    signoffs: list[SignOff] = field(default_factory=list)
    signoffs_path: Path | None = None

    def problem(self, index: int, sub: PathKey, code: str, message: str, *,
                severity: Severity = "error") -> Problem:
        """A problem located at field ``sub`` of judgement ``index`` (its cell, for a workbook)."""
        if self.rows is not None:
            return self.rows[index].problem(sub, code, message, severity=severity)
        assert self.doc is not None
        return self.doc.problem(("judgements", index, *sub), code, message, severity=severity)

    def at(self, index: int) -> str:
        """``file:line`` (``book.xlsx:Judgements!A3``) of judgement ``index``: where a reader finds it."""
        if self.rows is not None:
            return self.rows[index].row.text()
        assert self.doc is not None
        line, _ = self.doc.position(("judgements", index))
        return f"{self.doc.display}:{line}" if line else self.doc.display

    def place(self, index: int) -> str:
        """``on line 4`` / ``in row 3``: where judgement ``index`` is, within the same file."""
        if self.rows is not None:
            return f"in row {self.rows[index].row.row}"
        assert self.doc is not None
        return f"on line {self.doc.position(('judgements', index))[0]}"


def records_path(evidence: Path, name: str) -> Path:
    """Where a set keeps ``judgements.yaml`` or ``signoffs.yaml`` (see the module's docstring)."""
    evidence = Path(evidence)
    if evidence.is_dir():
        return evidence / name
    return evidence.with_name(f"{evidence.stem}.{name}")


def load_judgements(evidence: Path, file: Path | None = None) -> LoadedJudgements:
    """The judgements and sign-offs of the set at ``evidence``; raise InputError if either is wrong."""
    problems: list[Problem] = []
    loaded = LoadedJudgements(signoffs_path=records_path(evidence, SIGNOFFS))
    jpath = Path(file) if file is not None else records_path(evidence, JUDGEMENTS)
    if file is not None and not jpath.is_file():
        problems.append(Problem(file=display_path(jpath), code="JUDGE-001",
                                message="judgements file not found; check the path given to --judgements"))
    elif file is None and Path(evidence).suffix.lower() == ".xlsx" and Path(evidence).is_file():
        _sheet_judgements(Path(evidence), jpath, loaded, problems)
    elif jpath.is_file():
        root = Path(evidence) if Path(evidence).is_dir() and file is None else jpath
        loaded.judgements, loaded.doc, loaded.files = _yaml_judgements(jpath, root, problems)
    assert loaded.signoffs_path is not None
    loaded.signoffs = read_signoffs(loaded.signoffs_path, problems)
    raise_if_errors(problems)
    return loaded


def _yaml_judgements(path: Path, root: Path,
                     problems: list[Problem]) -> tuple[list[Judgement], YamlDocument, list[InputFile]]:
    """The judgements in the YAML file ``path``, its document (to locate them) and its input file."""
    doc = load_yaml(path, display_path(path))
    parsed = validate_model(JudgementsFile, doc.data if doc.data is not None else {}, doc, (), problems, "JUDGE-002")
    return (list(parsed.judgements) if parsed is not None else []), doc, [input_file(path, root, doc.sha256)]


def _sheet_judgements(book: Path, beside: Path, loaded: LoadedJudgements, problems: list[Problem]) -> None:
    """The judgements on the Judgements sheet of the workbook ``book`` (or, if it has none, in
    ``beside``), validated like ``judgements.yaml``; every mistake located at its cell."""
    from grader.loading.xlsxsrc import read_judgement_rows  # openpyxl only for workbook users

    rows, found = read_judgement_rows(book, display_path(book))
    if rows and beside.is_file():
        problems.append(Problem(file=display_path(beside), code="JUDGE-003", message=(
            f"the workbook {book.name} also holds judgements (its Judgements sheet): keep a set's judgements in "
            "one place; move these onto the sheet and delete this file, or clear the sheet")))
        return
    if not rows and not found:
        if beside.is_file():
            loaded.judgements, loaded.doc, loaded.files = _yaml_judgements(beside, beside, problems)
        return
    problems.extend(found)
    loaded.rows = []
    for data, locator in rows:
        judgement = validate_located(Judgement, data, locator, problems, "JUDGE-002", root_field="expires",
                                     missing_hint=" (fill in its cell on the Judgements sheet)")
        if judgement is not None:
            loaded.judgements.append(judgement)
            loaded.rows.append(locator)


def read_signoffs(path: Path, problems: list[Problem] | None = None) -> list[SignOff]:
    """Every sign-off record in ``path`` (none if the file does not exist).

    A file that exists but cannot be read, or whose records are wrong, is reported, located:
    appending to it would otherwise lose what it held. Problems go to ``problems`` if given,
    else they are raised.
    """
    if not path.is_file():
        return []
    found: list[Problem] = []
    parsed = None
    try:
        doc = load_yaml(path, display_path(path))
        parsed = validate_model(SignOffsFile, doc.data if doc.data is not None else {}, doc, (), found, "SIGN-002")
    except InputError as exc:
        found.extend(exc.problems)
    found = _damaged(found)
    if problems is None:
        raise_if_errors(found)
    else:
        problems.extend(found)
    return list(parsed.signoffs) if parsed is not None else []


def _damaged(problems: list[Problem]) -> list[Problem]:
    """The loader's problems, each saying what to do about a damaged sign-off file."""
    hint = ("; signoffs.yaml is written by 'grader signoff' only: restore it from version control or a backup "
            "rather than editing it (grader will not sign over a damaged record)")
    return [p.model_copy(update={"message": p.message + hint}) for p in problems]
