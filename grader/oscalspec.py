"""What grader's OSCAL documents share: the version, grader's property namespace, ids and times.

OSCAL (NIST's Open Security Controls Assessment Language) is how assessment results are
exchanged between compliance tools. grader writes two of its models: a *catalog* (a pack's
pillars and criteria, ``grader export oscal-catalog``) and *assessment results* (a grading,
``grader export oscal``). Both must be byte-identical for the same inputs, so:

- every UUID is derived (UUID 5) from what it names: the pack, the evidence set and the id
  of the criterion, item or document, never drawn at random;
- every timestamp comes from the inputs (the date of the inspection, an item's ``collected``
  date, a pack's ``published`` date), at midnight UTC, never from the clock.

Everything OSCAL cannot say in its own words (a grade on a three- or five-point scale, a
mitigation, a protective marking) is kept as a property in grader's namespace :data:`NS`.
"""

from __future__ import annotations

import datetime as dt
import uuid

OSCAL_VERSION = "1.2.1"

#: The namespace of grader's OSCAL properties (``prop.ns``): a URN, since grader has no web
#: address of its own; OSCAL asks only that it be a URI that names the owner of the names.
NS = "urn:grader:oscal"

_ROOT = uuid.uuid5(uuid.NAMESPACE_URL, NS)


def uuid_for(*parts: str) -> str:
    """A UUID that depends only on ``parts`` (e.g. the set id, ``"observation"``, an item id)."""
    return str(uuid.uuid5(_ROOT, "\x1f".join(parts)))


def timestamp(day: dt.date | str) -> str:
    """Midnight UTC of ``day``, as OSCAL's date-time-with-timezone (``2008-07-01T00:00:00Z``)."""
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    return f"{day.isoformat()}T00:00:00Z"


def control_id(criterion_id: str) -> str:
    """A criterion's id as an OSCAL control id: lower case, as OSCAL catalogs write them."""
    return criterion_id.lower()


def statement_id(criterion_id: str) -> str:
    """The id of a control's statement part, which a finding targets (``int-01_smt``)."""
    return f"{control_id(criterion_id)}_smt"
