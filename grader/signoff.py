"""``grader signoff``: grade a set and append who approved exactly these grades of these inputs.

The record (who, role, date, note, grader version, pack, the overall and pillar grades, and a
digest over every input file and every outcome) is appended to the set's ``signoffs.yaml``.
Earlier records are never rewritten: the new record is added as text after them, the whole file
is read back to prove that every earlier record is still there, unchanged, and then replaced in
one atomic rename (:func:`grader.outputs.write_atomic`), under a lock so that two people signing
at once cannot lose each other's record. A file that cannot be read is reported, located, and
left as it is.

A set is not signed off while a judgement in it is stale or expired (the grades it would approve
are not the inspectors' settled view), nor by the same person twice for the same digest.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from grader import __version__
from grader.errors import InputError, Problem
from grader.grading.run import grade_paths
from grader.grading.signoff import digest, grades_of, signed_files, signoff_status
from grader.loading.files import display_path
from grader.loading.judgements import SIGNOFFS, read_signoffs, records_path
from grader.loading.yamlsrc import parse_yaml
from grader.loading.validate import validate_model
from grader.models.judgement import SignOff, SignOffsFile, SignOffStatus
from grader.models.result import GradingResult
from grader.outputs import write_atomic

HEADER = ("# Sign-offs of this evidence set, oldest first, appended by 'grader signoff'.\n"
          "# Do not edit: a changed record no longer proves what was approved.\n"
          "signoffs:\n")


@dataclass(frozen=True)
class SignedOff:
    """What a sign-off did: the record appended, where, and the set's status after it."""

    record: SignOff
    path: Path
    status: SignOffStatus


def sign_off(evidence: Path, pack: Path, *, by: str, role: str, note: str | None = None,
             date: dt.date | None = None, judgements: Path | None = None) -> SignedOff:
    """Grade ``evidence`` and append a sign-off by ``by``; raise InputError if it cannot be signed."""
    day = date or dt.date.today()
    result = grade_paths(evidence, pack, judgements)
    _refuse_unsettled(result, day)
    path = records_path(Path(evidence), SIGNOFFS)
    unsigned = result.model_copy(update={"signoff": None})
    record = SignOff.model_validate({
        "by": by.strip(), "role": role.strip(), "date": day, "note": note.strip() if note and note.strip() else None,
        "grader_version": __version__, "pack": f"{result.meta.pack.name} {result.meta.pack.version}",
        "evidence_set": result.meta.evidence_set.id, "grades": grades_of(result), "digest": digest(result),
        "files": [f.model_dump() for f in signed_files(result)],
    })
    with _locked(path):
        earlier = read_signoffs(path)
        if any(r.digest == record.digest and r.by == record.by for r in earlier):
            raise InputError([Problem(file=display_path(path), code="SIGN-003", message=(
                f"{record.by} has already signed off these inputs and grades; a second signature by the same "
                "person adds nothing (four eyes need a different person)"))])
        _append(path, earlier, record)
    policy = result.framework.judgement_policy
    return SignedOff(record=record, path=path, status=signoff_status(unsigned, [*earlier, record], policy))


def _refuse_unsettled(result: GradingResult, day: dt.date) -> None:
    """No sign-off over a judgement that is stale, expired, or expires before the sign-off date."""
    problems = []
    for j in result.judgements:
        file, _, line = j.at.rpartition(":")
        where = {"file": file, "line": int(line)} if line.isdigit() else {"file": j.at}
        if j.state != "applied":
            problems.append(Problem(**where, code="SIGN-004", message=(
                f"the judgement on {j.target} is {j.state} (see the warnings of 'grader grade'): review it "
                "before signing off, so that the grades signed are the inspectors' settled view")))
        elif j.expires is not None and j.expires < day:
            problems.append(Problem(**where, code="SIGN-004", message=(
                f"the judgement on {j.target} expired on {j.expires}, before this sign-off ({day}): renew it "
                "(a new date and expiry) or remove it, then sign off")))
    if problems:
        raise InputError(problems)


def record_text(record: SignOff) -> str:
    """One record as a YAML list item. Every text is a JSON string (valid YAML, nothing to misread)."""
    def q(value: str) -> str:
        return json.dumps(value, ensure_ascii=False)

    lines = [f"  - by: {q(record.by)}", f"    role: {q(record.role)}", f"    date: {record.date.isoformat()}"]
    if record.note is not None:
        lines.append(f"    note: {q(record.note)}")
    lines += [f"    grader_version: {q(record.grader_version)}", f"    pack: {q(record.pack)}",
              f"    evidence_set: {q(record.evidence_set)}", "    grades:"]
    lines += [f"      {q(k)}: {q(v)}" for k, v in record.grades.items()]
    lines += [f"    digest: {q(record.digest)}", "    files:"]
    lines += [f"      - {{path: {q(f.path)}, sha256: {q(f.sha256)}}}" for f in record.files]
    return "\n".join(lines) + "\n"


def _append(path: Path, earlier: list[SignOff], record: SignOff) -> None:
    """Add ``record`` after the file's text; prove every earlier record survives; write atomically."""
    old = path.read_text(encoding="utf-8") if path.is_file() else ""
    base = old if old.strip() else HEADER
    if not base.endswith("\n"):
        base += "\n"
    text = base + record_text(record)
    if _records_in(text, path) != [*earlier, record]:
        # the file's layout does not take an appended item (e.g. 'signoffs: []'): write every record anew
        text = HEADER + "".join(record_text(r) for r in [*earlier, record])
        if _records_in(text, path) != [*earlier, record]:  # pragma: no cover - a bug, never a user's mistake
            raise AssertionError("a sign-off record does not read back as written")
    write_atomic(path, text)


def _records_in(text: str, path: Path) -> list[SignOff] | None:
    try:
        doc = parse_yaml(text, path, display_path(path))
    except InputError:
        return None
    problems: list[Problem] = []
    parsed = validate_model(SignOffsFile, doc.data if doc.data is not None else {}, doc, (), problems, "SIGN-002")
    return list(parsed.signoffs) if parsed is not None else None


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock beside ``path`` (released when the process ends, even by a crash)."""
    lock = path.with_name(f".{path.name}.lock")
    fd = os.open(lock, os.O_CREAT | os.O_RDWR, 0o644)
    try:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: no advisory locks; the read-back check still holds
            yield
            return
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
