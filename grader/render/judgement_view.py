"""How the report shows judgements and sign-off to each audience (it decides no grade).

A judgement's reason is always shown (evidence ids the audience may not see become a count, as
everywhere in the report). Who made it is shown by name to readers cleared above OFFICIAL (the
force, the inspectorate); the public sees the role only ("Lead inspector"), unless the pack's
``policy.judgements.public_names`` says names may be published. Sign-offs follow the same rule,
and a name written in a reason is a role for the public too (report_view swaps them first:
audience.result_for_names).
"""

from __future__ import annotations

from typing import Any

from grader.audience import Visibility, names_shown
from grader.models.judgement import AppliedJudgement, SignOffStatus
from grader.models.result import GradingResult


def shows_names(result: GradingResult, audience: str) -> bool:
    """Whether ``audience`` may read the names of inspectors who judged and signed (one rule for
    every output: :func:`grader.audience.names_shown`)."""
    return names_shown(result, audience)


def _who(by: str, role: str, names: bool) -> str:
    return f"{by} ({role})" if names else role


def judgement_view(result: GradingResult, j: AppliedJudgement | None, vis: Visibility,
                   names: bool) -> dict[str, Any] | None:
    """A judgement as the templates show it: the rules' outcome, who, when and the reason."""
    if j is None:
        return None
    return {
        "outcome": j.outcome,
        "outcome_label": result.framework.label(j.outcome),
        "rule_outcome": j.rule_outcome,
        "rule_label": result.framework.label(j.rule_outcome),
        "who": _who(j.by, j.role, names),
        "date": j.date.isoformat(),
        "reason": vis.segments(j.reason),
    }


def signoff_view(status: SignOffStatus | None, names: bool) -> dict[str, Any]:
    """The sign-off block: who signed and when, or why the grades are not (validly) signed off."""
    if status is None or status.status == "none":
        return {"status": "none", "words": "Not signed off.", "signers": [], "changed": []}
    signers = [{"who": _who(s.by, s.role, names), "date": s.date.isoformat()} for s in status.signers]
    listed = "; ".join(f"{s['who']} on {s['date']}" for s in signers)
    words = {
        "signed": f"Signed off by {listed}.",
        "incomplete": f"Not yet signed off: {status.needed} different signers are needed, and no one may be the "
                      f"only signer of their own judgement. Signed so far by {listed}.",
        "stale": "Not signed off: the inputs or grades changed after the last sign-off.",
    }[status.status]
    return {"status": status.status, "words": words, "signers": signers, "changed": list(status.changed)}
