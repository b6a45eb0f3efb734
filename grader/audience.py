"""Who may read what: protective markings, audiences, and withholding evidence from a reader.

Every output that shows evidence goes through this module before it is rendered: the report,
and, when asked with ``--audience``, ``grade`` (table and JSON), ``explain``, ``diff``,
``moderate`` and batch results. An item marked above the audience's ceiling (``OFFICIAL`` for
the public) is withheld: not its statement, source, facts or id. A sentence that cites it has
the id replaced by a count ("1 withheld item").

Ids are found in text wherever they stand, whatever characters surround them: a pack's
``because`` sentence is refused by ``rules check`` when a placeholder is glued to other
characters (RULE-152), but a result JSON may come from anywhere, so the filter does not rely
on that.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from grader.models.common import MARKINGS, Marking
from grader.models.evidence import EvidenceItem
from grader.models.judgement import SignOffStatus
from grader.models.result import GradingResult

Audience = Literal["public", "force", "inspectorate"]

#: The highest protective marking each audience may see. The public sees OFFICIAL only; the
#: inspected force sees up to OFFICIAL-SENSITIVE (its own sensitive material, not SECRET); the
#: inspectorate sees everything.
AUDIENCE_CEILING: dict[str, Marking] = {
    "public": "OFFICIAL",
    "force": "OFFICIAL-SENSITIVE",
    "inspectorate": "SECRET",
}
AUDIENCE_WORDS: dict[str, str] = {
    "public": "the public",
    "force": "the force and its police authority",
    "inspectorate": "the inspectorate",
}

#: A run of the characters an evidence id may hold (models/common.py EVIDENCE_ID).
_RUN = re.compile(r"[A-Za-z0-9._-]+")

Segment = tuple[str, str]
"""A piece of a sentence: ``("text", words)``, ``("id", evidence id)`` or ``("withheld", words)``."""


def highest_marking(markings: Iterable[str]) -> Marking:
    """The most sensitive of ``markings`` (``OFFICIAL`` when there are none)."""
    return max(markings, key=MARKINGS.index, default="OFFICIAL")  # type: ignore[return-value]


def withheld_words(n: int) -> str:
    """``1 withheld item`` / ``3 withheld items``."""
    return f"{n} withheld item{'' if n == 1 else 's'}"


def withheld_files(n: int) -> str:
    """``1 withheld file`` / ``3 withheld files``."""
    return f"{n} withheld file{'' if n == 1 else 's'}"


_WITHHELD_FILES = re.compile(r"(\d+) withheld files?")


@dataclass(frozen=True)
class Visibility:
    """Which evidence an audience may see, and how to cite around what it may not."""

    audience: str
    ceiling: Marking
    shown: frozenset[str]
    withheld: frozenset[str]
    ids: frozenset[str]
    lengths: tuple[int, ...]  # the lengths of ids, longest first (a shown id may contain a withheld one)

    @classmethod
    def of(cls, result: GradingResult, audience: str) -> Visibility:
        """The visibility of ``result``'s evidence to ``audience``."""
        return cls.of_items(result.evidence, audience)

    @classmethod
    def of_items(cls, items: Sequence[EvidenceItem], audience: str) -> Visibility:
        if audience not in AUDIENCE_CEILING:
            raise ValueError(f"unknown audience {audience!r}; expected one of {', '.join(AUDIENCE_CEILING)}")
        ceiling = AUDIENCE_CEILING[audience]
        top = MARKINGS.index(ceiling)
        shown = frozenset(e.id for e in items if MARKINGS.index(e.marking) <= top)
        withheld = frozenset(e.id for e in items if e.id not in shown)
        lengths = tuple(sorted({len(i) for i in shown | withheld}, reverse=True))
        return cls(audience, ceiling, shown, withheld, shown | withheld, lengths)

    def count(self, ids: Iterable[str]) -> int:
        """How many of ``ids`` are withheld (each counted once)."""
        return len({i for i in ids if i in self.withheld})

    def keep(self, ids: Iterable[str]) -> list[str]:
        """``ids`` the audience may see, in their order."""
        return [i for i in ids if i in self.shown]

    def _id_in(self, run: str) -> str | None:
        """The id a run of id characters is, allowing a trailing '.' or '-' that ends a sentence."""
        while run:
            if run in self.ids:
                return run
            if run[-1] not in ".-":
                return None
            run = run[:-1]
        return None

    def segments(self, text: str) -> list[Segment]:
        """Split a sentence into words and evidence ids; ids the audience may not see become a count.

        Ids are found by scanning runs of the characters an id may hold (letters, digits, ``.``,
        ``-``, ``_``) and looking each up: linear in the text, whatever the number of ids. A run
        that is an id (or an id and a full stop) is an id; ids joined by ``", "`` are one list,
        so "A, B and 1 withheld item" reads as a list. A run that is not an id is searched for a
        withheld id written against other characters (``ref-SECRET-1``), which is withheld too.
        """
        if not self.ids:
            return [("text", text)]
        out: list[Segment] = []
        pos = 0
        found = [(m.start(), m.start() + len(i), i) for m in _RUN.finditer(text)
                 if (i := self._id_in(m.group(0))) is not None]
        n = 0
        while n < len(found):
            start, end, first = found[n]
            group = [first]
            while n + 1 < len(found) and text[end:found[n + 1][0]] == ", ":
                n += 1
                end = found[n][1]
                group.append(found[n][2])
            n += 1
            if start > pos:
                out.extend(self._loose(text[pos:start]))
            keep = [i for i in group if i in self.shown]
            hidden = len(group) - len(keep)
            for k, i in enumerate(keep):
                if k:
                    out.append(("text", ", "))
                out.append(("id", i))
            if hidden:
                if keep:
                    out.append(("text", " and "))
                out.append(("withheld", withheld_words(hidden)))
            pos = end
        if pos < len(text):
            out.extend(self._loose(text[pos:]))
        return out

    def _loose(self, text: str) -> Iterator[Segment]:
        """Text between ids, with any withheld id inside a longer run (glued to other
        characters) withheld. At each place the longest id wins, so a shown id that contains a
        withheld one is left alone."""
        if not self.withheld:
            yield ("text", text)
            return
        pos = 0
        for m in _RUN.finditer(text):
            run, base, i = m.group(0), m.start(), 0
            while i < len(run):
                hit = next((run[i:i + n] for n in self.lengths if run[i:i + n] in self.ids), None)
                if hit is None:
                    i += 1
                    continue
                if hit in self.withheld:
                    if base + i > pos:
                        yield ("text", text[pos:base + i])
                    yield ("withheld", withheld_words(1))
                    pos = base + i + len(hit)
                i += len(hit)
        if pos < len(text):
            yield ("text", text[pos:])

    def redact(self, text: str) -> str:
        """``text`` with every withheld id replaced by a count, as plain text."""
        if not self.withheld:
            return text
        return "".join(s for _, s in self.segments(text))


def redact_result(result: GradingResult, audience: str) -> GradingResult:
    """A copy of ``result`` holding only what ``audience`` may see.

    Withheld items leave ``evidence``, ``indicators`` and every list of ids, and a document only
    they cite leaves ``documents`` (its title and reference describe them); any record in a
    list that names a withheld item by ``id`` (an unused item, say) leaves its list; every
    sentence has withheld ids replaced by a count; a stale sign-off names only the changed files
    the audience may read (:func:`signoff_for`). Grades, outcomes and counts are untouched:
    a reader sees the same judgement, resting on fewer named items. The result's ``meta``
    records the audience and how many items were withheld.
    """
    vis = Visibility.of(result, audience)
    data = result.model_dump(mode="json")
    signoff = signoff_for(result, audience)
    data["signoff"] = None if signoff is None else signoff.model_dump(mode="json")
    if vis.withheld:
        evidence = [e for e in data.pop("evidence") if e["id"] not in vis.withheld]
        cited = {e["source"]["document"] for e in evidence}
        # a document only withheld items cite is their source: not even its key is shown
        data["documents"] = {k: d for k, d in data["documents"].items()
                             if k in cited or not any(e.source.document == k for e in result.evidence)}
        data = redact_value(data, vis)
        data["evidence"] = redact_value(evidence, vis)
    if not names_shown(result, audience):
        data = _roles_for_names(data)
    meta = data["meta"]  # after the swap above, which builds a new tree
    before = result.meta.audience
    narrower = before is not None and MARKINGS.index(AUDIENCE_CEILING[before]) < MARKINGS.index(vis.ceiling)
    meta["audience"] = before if narrower else audience  # filtering again never widens what is shown
    meta["withheld"] = result.meta.withheld + len(vis.withheld)
    meta["marking"] = highest_marking(e["marking"] for e in data["evidence"])
    meta["inputs"] = [f for f in meta["inputs"] if MARKINGS.index(f["marking"]) <= MARKINGS.index(vis.ceiling)]
    return GradingResult.model_validate_json(json.dumps(data))  # JSON mode: strict models read dates as text


def signoff_for(result: GradingResult, audience: str) -> SignOffStatus | None:
    """``result.signoff`` as ``audience`` may read it: of the input files changed since the last
    sign-off, those marked above the audience's ceiling are counted ("2 withheld files"), not
    named, in the list and in the message; so is a file no longer among the inputs, whose marking
    is unknown (named to no reader below SECRET)."""
    status = result.signoff
    if status is None or not status.changed:
        return status
    # imported here: grading.signoff reads the inputs through analysis.diff, which imports this module
    from grader.grading.signoff import signed_markings

    markings = signed_markings(result)
    top = MARKINGS.index(AUDIENCE_CEILING[audience])
    kept: list[str] = []
    hidden = 0
    for entry in status.changed:  # "path (changed|added|removed)", or a count a filter left
        if m := _WITHHELD_FILES.fullmatch(entry):
            hidden += int(m.group(1))
        elif MARKINGS.index(markings.get(entry.rpartition(" (")[0], "SECRET")) <= top:
            kept.append(entry)
        else:
            hidden += 1
    changed = kept + ([withheld_files(hidden)] if hidden else [])
    if changed == status.changed:
        return status
    # the message lists the files as ", ".join(changed) (grading/signoff.py)
    message = status.message.replace(", ".join(status.changed), ", ".join(changed), 1)
    return status.model_copy(update={"changed": changed, "message": message})


def names_shown(result: GradingResult, audience: str) -> bool:
    """Whether ``audience`` may read the names of inspectors who judged and signed: readers
    cleared above OFFICIAL may; the public sees roles only, unless the pack's
    ``policy.judgements.public_names`` says names may be published."""
    cleared = MARKINGS.index(AUDIENCE_CEILING[audience]) > MARKINGS.index("OFFICIAL")
    return cleared or result.framework.judgement_policy.public_names


def people_for_audience(value: Any, result: GradingResult, audience: str) -> Any:
    """``value`` (text, or JSON-like data about ``result``) as ``audience`` may read it: when
    :func:`names_shown` says no, every inspector who judged or signed ``result`` is named by role.

    For outputs built beside the result rather than from it (``explain``), so that they name
    people exactly as the report and the filtered result do."""
    if names_shown(result, audience):
        return value
    people = result.model_dump(mode="json", include={"judgements", "signoff"})
    return _roles_for_names({"value": value, "people": people})["value"]


def result_for_names(result: GradingResult, audience: str) -> GradingResult:
    """``result`` with every inspector who judged or signed it named by role, when
    :func:`names_shown` says ``audience`` may not read their names (in the records and in every
    sentence, a judgement's reason among them); else ``result`` itself. For outputs that filter
    evidence themselves (the report) but must name people as the filtered result does."""
    if names_shown(result, audience):
        return result
    swapped = people_for_audience(result.model_dump(mode="json"), result, audience)
    return GradingResult.model_validate_json(json.dumps(swapped))  # JSON mode: strict models read dates as text


def _roles_for_names(data: Any) -> Any:
    """``data`` with every person (a record with ``by`` and ``role``) named by role only, in the
    records and in every sentence that names them."""
    names: dict[str, str] = {}

    def collect(v: Any) -> None:
        if isinstance(v, dict):
            if isinstance(v.get("by"), str) and isinstance(v.get("role"), str):
                names[v["by"]] = v["role"]
            for x in v.values():
                collect(x)
        elif isinstance(v, list):
            for x in v:
                collect(x)

    collect(data)
    if not names:
        return data
    pattern = re.compile("|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)))

    def swap(v: Any) -> Any:
        if isinstance(v, str):
            return pattern.sub(lambda m: names[m.group(0)], v)
        if isinstance(v, list):
            return [swap(x) for x in v]
        if isinstance(v, dict):
            return {k: swap(x) for k, x in v.items()}
        return v

    return swap(data)


def redact_value(value: Any, vis: Visibility) -> Any:
    """``value`` (a dumped result part, or any JSON-like data about it) without withheld ids,
    records or mentions: a withheld id leaves every list, a record naming one by ``id`` or
    ``item`` leaves its list, and every sentence has withheld ids replaced by a count."""
    if isinstance(value, str):
        return vis.redact(value)
    if isinstance(value, list):
        out = []
        for v in value:
            if isinstance(v, str) and v in vis.withheld:
                continue
            if isinstance(v, dict) and any(v.get(k) in vis.withheld for k in ("id", "item")):
                continue
            out.append(redact_value(v, vis))
        return out
    if isinstance(value, dict):
        return {k: redact_value(v, vis) for k, v in value.items()}
    return value


def withheld_across(results: Sequence[GradingResult], audience: str | None) -> int:
    """How many distinct items ``audience`` does not see across results of one force (its years
    mostly hold the same items: adding each result's count would say 48 where 24 are withheld).
    A result filtered before it was saved adds its recorded number, the largest of them."""
    before = max((r.meta.withheld for r in results), default=0)
    if audience is None:
        return before
    return len(set().union(*(Visibility.of(r, audience).withheld for r in results))) + before


def banner(marking: str, audience: str | None, withheld: int) -> str:
    """The protective-marking line printed at the top of an output that shows evidence.

    An unfiltered output says so, and how to filter it, whenever it holds anything above
    OFFICIAL; a filtered one says for whom and how much it withheld.
    """
    if audience is not None:
        items = f"{withheld} item{'' if withheld == 1 else 's'}"
        held = f"; {items} marked above {AUDIENCE_CEILING[audience]} withheld" if withheld else ""
        return f"{marking}: for {AUDIENCE_WORDS[audience]}{held}"
    if marking == "OFFICIAL":
        return "OFFICIAL: every item shown is marked OFFICIAL"
    return (f"{marking}: not filtered; shows items marked up to {marking}. "
            "Use --audience public (or force) before sharing it")


def result_banner(result: GradingResult) -> str:
    """:func:`banner` for a result, filtered or not."""
    return banner(result.meta.marking, result.meta.audience, result.meta.withheld)
