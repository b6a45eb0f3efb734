"""Where the bundled ACPO pack and Derbyshire 2008 evidence are, installed or in a checkout.

A wheel carries them as package data under ``grader/_bundled`` (see pyproject.toml); a source
checkout or editable install finds them at the top of the repository.
"""

from __future__ import annotations

from pathlib import Path

DEFAULT_PACK = "acpo-major-crime-2008"
DEFAULT_EVIDENCE = "derbyshire-2008"


def _root(kind: str) -> Path:
    here = Path(__file__).resolve().parent
    packaged = here / "_bundled" / kind
    if packaged.is_dir():
        return packaged
    return here.parent / kind


def default_pack() -> Path:
    """The bundled ACPO major crime rule pack."""
    return _root("rules") / DEFAULT_PACK


def default_evidence() -> Path:
    """The bundled Derbyshire 2008 evidence set."""
    return _root("evidence") / DEFAULT_EVIDENCE


def describe() -> str:
    """Where the bundled pack and set are read from, for ``grader --version``: after a plain
    ``pip install .`` they are the installed copies, and editing ``rules/`` in the checkout
    changes nothing, which an inspector editing the pack needs to be told."""
    pack, evidence = default_pack(), default_evidence()
    if (Path(__file__).resolve().parent / "_bundled").is_dir():
        how = "installed with grader: to change the pack, copy it and pass the copy with --rules"
    else:
        how = "the source checkout's: edits there take effect"
    return f"bundled pack: {pack}\nbundled evidence: {evidence}\n({how})"
