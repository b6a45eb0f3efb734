"""Grade a programme: many evidence sets against one rule pack, in one process.

The pack is loaded and compiled once; each force is then loaded, graded and written on its own
(one engine state per force, deleted afterwards), so memory is bounded by the largest force,
never by the programme. A force whose evidence is wrong is reported with its located problems
and skipped; the other forces are still graded. Nothing is half-written: each result file is
written atomically, and an existing file is replaced only when asked to (``force=True``).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from grader.analysis.summary import ForceSummary, summarise
from grader.audience import redact_result
from grader.errors import EXIT_ENGINE_ERROR, EXIT_INPUT_ERROR, EXIT_OK, EngineError, InputError, Problem
from grader.gcpause import gc_paused
from grader.grading.run import Grader
from grader.loading.evidence import MANIFEST, load_evidence
from grader.loading.files import display_path
from grader.loading.judgements import JUDGEMENTS, SIGNOFFS, load_judgements
from grader.loading.pack import load_pack
from grader.models.result import GradingResult
from grader.outputs import ensure_folder, sync_folder, write_atomic

#: Files that may be a whole evidence set on their own (one-file YAML, CSV, a capture workbook),
#: so a folder of evidence sets hands them to the evidence loader instead of passing over them.
SET_FILE_SUFFIXES = (".yaml", ".yml", ".csv", ".xlsx")
#: A CSV set keeps its manifest beside it as ``NAME.evidence-set.yaml``: part of a set, not one.
CSV_MANIFEST_SUFFIX = "." + MANIFEST
#: A one-file set keeps its judgements and sign-offs beside it: part of a set, not one.
RECORD_SUFFIXES = ("." + JUDGEMENTS, "." + SIGNOFFS)

#: Called after each force: (forces done, forces in all, the force just done).
Progress = Callable[[int, int, str], None]
#: Turns a result into the text written to its file (the CLI passes the JSON renderer).
Render = Callable[[GradingResult], str]


@dataclass
class BatchFailure:
    """A force that was not graded, with every problem found in its input."""

    input: str
    problems: list[Problem]
    engine: bool = False


@dataclass
class BatchReport:
    """What a batch did: one summary per graded force, one failure per force skipped."""

    graded: list[ForceSummary] = field(default_factory=list)
    failed: list[BatchFailure] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 when every force was graded; 70 if the engine failed on any; else 65."""
        if any(f.engine for f in self.failed):
            return EXIT_ENGINE_ERROR
        return EXIT_INPUT_ERROR if self.failed else EXIT_OK


def is_set_folder(path: Path) -> bool:
    """True for a folder holding an evidence set's manifest."""
    return path.is_dir() and (path / MANIFEST).is_file()


def _children(folder: Path) -> tuple[list[Path], list[Path]]:
    """The evidence sets a folder of sets holds, and the other entries passed over."""
    sets: list[Path] = []
    other: list[Path] = []
    for child in sorted(folder.iterdir(), key=lambda p: p.name):
        if child.name.startswith("."):
            continue
        if child.name.endswith(CSV_MANIFEST_SUFFIX):
            if not child.with_name(child.name[: -len(CSV_MANIFEST_SUFFIX)] + ".csv").is_file():
                other.append(child)  # a manifest without its CSV
            continue
        if child.name.endswith(RECORD_SUFFIXES):
            continue
        if child.is_dir() or child.suffix.lower() in SET_FILE_SUFFIXES:
            sets.append(child)
        else:
            other.append(child)
    return sets, other


def is_sets_folder(path: Path) -> bool:
    """True for a folder that is not an evidence set but holds at least one."""
    if not path.is_dir() or is_set_folder(path):
        return False
    sets, _ = _children(path)
    return any(is_set_folder(s) or s.is_file() for s in sets)


def is_batch(paths: Sequence[Path]) -> bool:
    """Several inputs, or one folder of evidence sets: grade as a programme."""
    return len(paths) > 1 or (len(paths) == 1 and is_sets_folder(Path(paths[0])))


def expand_inputs(paths: Sequence[Path]) -> tuple[list[Path], list[Path]]:
    """Each argument as given, except that a folder of evidence sets stands for every set in it.

    Every sub-folder and every .yaml, .csv or .xlsx file of such a folder is an input (one that is
    not an evidence set is reported by the loader, not passed over); a CSV set's manifest
    (``NAME.evidence-set.yaml``) goes with its CSV; other files are returned separately so the
    caller can say so.
    """
    inputs: list[Path] = []
    ignored: list[Path] = []
    for p in paths:
        p = Path(p)
        if is_sets_folder(p):
            sets, other = _children(p)
            inputs.extend(sets)
            ignored.extend(other)
        else:
            inputs.append(p)
    return inputs, ignored


def grade_batch(
    paths: Sequence[Path],
    pack_dir: Path,
    out_dir: Path | None,
    render: Render,
    *,
    force: bool = False,
    progress: Progress | None = None,
    audience: str | None = None,
) -> BatchReport:
    """Grade every evidence set in ``paths`` with one compiled pack; write ``<set id>.json`` each.

    A problem with the pack, or with ``out_dir``, stops the batch before any force is graded
    (raised as :class:`InputError`); a problem with one force is recorded in the report and the
    batch goes on. Two inputs with the same evidence-set id would write the same file, so the
    second is refused. With ``audience``, each result is filtered for it before it is written
    or summarised (:func:`grader.audience.redact_result`).
    """
    inputs, ignored = expand_inputs(paths)
    if out_dir is not None:
        _prepare_out_dir(Path(out_dir))
    report = BatchReport(ignored=[display_path(p) for p in ignored])
    seen: dict[str, str] = {}
    try:
        with Grader(load_pack(pack_dir)) as grader, _long_lived_frozen():
            total = len(inputs)
            if progress is not None:
                progress(0, total, "")
            for n, path in enumerate(inputs, start=1):
                shown = display_path(path)
                try:
                    summary = _grade_one(grader, path, shown, out_dir, render, force, seen, audience)
                except InputError as exc:
                    report.failed.append(BatchFailure(input=shown, problems=exc.problems))
                except EngineError as exc:
                    report.failed.append(BatchFailure(input=shown, engine=True, problems=[
                        Problem(file=shown, code="ENGINE", message=f"engine error: {exc}")]))
                else:
                    report.graded.append(summary)
                if progress is not None:
                    progress(n, total, shown)
    finally:
        if out_dir is not None:
            # every result's rename, flushed to disk at once; a batch stopped part way (Ctrl-C,
            # a signal) flushes what it wrote too (sync_folder never raises)
            sync_folder(Path(out_dir))
    return report


@contextmanager
def _long_lived_frozen() -> Iterator[None]:
    """Keep the cyclic collector off what lives through the whole batch (the pack, its YAML
    nodes, the compiled rules, every module): between forces the collector runs as usual, so
    memory stays bounded, but it no longer walks those hundreds of thousands of objects again
    after each force (``gc.freeze``; about a tenth of a 43-force batch's time).

    A program that froze objects of its own (before forking workers, say) is left as it was:
    unfreezing would thaw its objects too, so the batch then freezes nothing."""
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _grade_one(grader: Grader, path: Path, shown: str, out_dir: Path | None, render: Render, force: bool,
               seen: dict[str, str], audience: str | None) -> ForceSummary:
    with gc_paused():
        return _load_grade_write(grader, path, shown, out_dir, render, force, seen, audience)


def _load_grade_write(grader: Grader, path: Path, shown: str, out_dir: Path | None, render: Render, force: bool,
                      seen: dict[str, str], audience: str | None) -> ForceSummary:
    loaded = load_evidence(path, grader.pack.kind_ids)
    set_id = loaded.evidence.manifest.id
    if set_id in seen:
        raise InputError([Problem(file=shown, code="BATCH-002",
                                  message=f"evidence set id {set_id!r} is also the id of {seen[set_id]}; "
                                          "their results would share one file")])
    seen[set_id] = shown
    target = Path(out_dir) / f"{set_id}.json" if out_dir is not None else None
    if target is not None and target.exists() and not force:
        raise InputError([Problem(file=display_path(target), code="OUT-001",
                                  message=f"result of {shown} not written: file exists; use --force to replace it")])
    result = grader.grade(loaded, load_judgements(path))
    if audience is not None:
        result = redact_result(result, audience)
    if target is not None:
        write_atomic(target, render(result), force=force, sync_folder=False)  # once, after the batch
    return summarise(result, shown, display_path(target) if target is not None else None)


def _prepare_out_dir(out_dir: Path) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError([Problem(file=display_path(out_dir), code="OUT-002",
                                  message="is a file; with several evidence sets --out names a folder for their results")])
    ensure_folder(out_dir)
