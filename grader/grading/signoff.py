"""Whether a result is signed off: a digest over its inputs and grades, compared with the records.

A sign-off approves the grades of exactly these inputs. Its digest is a SHA-256 over every input
file (pack files, evidence files, the judgements file; each by its path inside its own folder,
so a set copied elsewhere is the same input) and every outcome and grade the result gives. Any
edit to any of them makes the digest differ, so the sign-off is *stale*, and the files whose
hashes changed are named. Nothing here reads a clock: the status depends on the files only, so
the same files always give the same result.

Four eyes: the pack may ask for several distinct signers (``policy.judgements.signers``), and
whoever made a judgement that applies cannot be its only signer.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

from grader.analysis.diff import split_inputs
from grader.models.common import Marking
from grader.models.judgement import JudgementPolicy, SignedFile, Signer, SignOff, SignOffStatus
from grader.models.result import GradingResult


def signed_files(result: GradingResult) -> list[SignedFile]:
    """Every input file of ``result``, named inside its folder: ``pack/...`` and ``set/...``."""
    pack, evidence = split_inputs(result)
    files = [(f"pack/{p}", h) for p, h in pack.items()] + [(f"set/{p}", h) for p, h in evidence.items()]
    return [SignedFile(path=p, sha256=h) for p, h in sorted(files)]


def signed_markings(result: GradingResult) -> dict[str, Marking]:
    """The protective marking of every input file of ``result``, by its name in a sign-off
    (as :func:`signed_files` names it)."""
    pack, evidence = split_inputs(result, lambda f: f.marking)
    return {**{f"pack/{p}": m for p, m in pack.items()}, **{f"set/{p}": m for p, m in evidence.items()}}


def grades_of(result: GradingResult) -> dict[str, str]:
    """The overall grade and each pillar's grade, as a sign-off record shows them."""
    return {"overall": result.overall.grade, **{p.id: p.grade for p in result.pillars}}


def digest(result: GradingResult) -> str:
    """SHA-256 over every input file and every criterion outcome, pillar grade and the overall grade."""
    body = {
        "files": [[f.path, f.sha256] for f in signed_files(result)],
        "criteria": {c.criterion: c.outcome for c in result.criteria},
        "grades": grades_of(result),
    }
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def changed_files(before: Sequence[SignedFile], now: Sequence[SignedFile]) -> list[str]:
    """``path (changed|added|removed)`` for every file that differs between two lists."""
    old = {f.path: f.sha256 for f in before}
    new = {f.path: f.sha256 for f in now}
    out = []
    for path in sorted(set(old) | set(new)):
        if path not in new:
            out.append(f"{path} (removed)")
        elif path not in old:
            out.append(f"{path} (added)")
        elif old[path] != new[path]:
            out.append(f"{path} (changed)")
    return out


def _names(signers: Sequence[Signer]) -> str:
    return ", ".join(f"{s.by} ({s.role}, {s.date})" for s in signers)


def signoff_status(result: GradingResult, records: Sequence[SignOff], policy: JudgementPolicy) -> SignOffStatus:
    """signed / incomplete / stale / none for ``result``, given the set's sign-off records."""
    needed = policy.signers
    if not records:
        return SignOffStatus(status="none", needed=needed, message="not signed off")
    current = digest(result)
    valid = [r for r in records if r.digest == current]
    if not valid:
        last = records[-1]
        changed = changed_files(last.files, signed_files(result))
        what = ("changed since: " + ", ".join(changed)) if changed else \
            f"the input files are the same but the grades differ (signed with grader {last.grader_version})"
        return SignOffStatus(status="stale", needed=needed, changed=changed,
                             last=Signer(by=last.by, role=last.role, date=last.date, note=last.note),
                             message=f"sign-off by {last.by} on {last.date} is stale: {what}; sign off again")
    signers = [Signer(by=r.by, role=r.role, date=r.date, note=r.note) for r in valid]
    people = {s.by for s in signers}
    missing: list[str] = []
    if len(people) < needed:
        missing.append(f"the pack needs {needed} different signers and {len(people)} signed")
    judged = [j for j in result.judgements if j.state == "applied"]
    for j in judged:
        if not people - {j.by}:
            missing.append(f"{j.by} made the judgement on {j.target} and cannot be its only signer")
    if missing:
        return SignOffStatus(status="incomplete", signers=signers, needed=needed,
                             message=f"signed off by {_names(signers)}, but not complete: {'; '.join(missing)}")
    return SignOffStatus(status="signed", signers=signers, needed=needed, message=f"signed off by {_names(signers)}")
