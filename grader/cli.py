"""The ``grader`` command: a thin shell over functions that can be called and tested directly.

Every command turns :class:`~grader.errors.InputError` into one readable line per problem on
stderr and exits with :data:`~grader.errors.EXIT_INPUT_ERROR`; an engine failure exits with
:data:`~grader.errors.EXIT_ENGINE_ERROR`. No user mistake ever prints a traceback.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from enum import Enum
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

# Only what building the command tree needs is imported here: `grader --version` and
# `grader --help` import no pydantic model (grader.errors holds one) and nothing a command
# imports for itself (tests/test_startup.py; docs/performance.md).
from grader import __version__
from grader.bundled import default_evidence, default_pack
from grader.clihelp import GraderTyper
from grader.exitcodes import EXIT_ENGINE_ERROR, EXIT_INPUT_ERROR, EXIT_TEST_FAILED

app = GraderTyper(
    name="grader",
    help="Grade a police force's evidence against a declarative inspection standard, with reasons.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
rules_app = GraderTyper(help="Tools for writing rule packs: new, check and test.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")
evidence_app = GraderTyper(help="Getting evidence in: check a set, a capture workbook, import a report.",
                           no_args_is_help=True)
app.add_typer(evidence_app, name="evidence")
export_app = GraderTyper(help="Exchange formats: a grading as OSCAL assessment results, a pack as an OSCAL catalog.",
                         no_args_is_help=True)
app.add_typer(export_app, name="export")

if TYPE_CHECKING:
    from rich.console import Console

    from grader.errors import Problem
    from grader.models.result import GradingResult

F = TypeVar("F", bound=Callable[..., Any])


def _stdout() -> Console:
    """Tables and text for stdout; input text in them is shown, never obeyed (render/terminal.py)."""
    from grader.render.terminal import console

    return console()


def _stderr() -> Console:
    """Problems and progress for stderr, through the same guard as stdout."""
    from grader.render.terminal import console

    return console(stderr=True)


def _echo(text: str = "", *, err: bool = False, nl: bool = True) -> None:
    """Plain text to stdout (or stderr) with control and bidi characters shown as escapes."""
    from grader.render.terminal import echo

    echo(text, err=err, nl=nl)


def _write_json(text: str) -> None:
    """JSON to stdout; C1 and bidi characters inside its strings are written as \\u escapes."""
    from grader.render.terminal import write_json

    write_json(text)


def handles_errors(func: F) -> F:
    """Report user errors as located one-line problems and exit with the documented code."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from grader.errors import EngineError, InputError

        try:
            return func(*args, **kwargs)
        except InputError as exc:
            err = _stderr()
            for p in exc.problems:
                err.print(p.line_text(), markup=False)
            raise typer.Exit(EXIT_INPUT_ERROR) from None
        except EngineError as exc:
            _stderr().print(f"grader: engine error: {exc}", markup=False)
            raise typer.Exit(EXIT_ENGINE_ERROR) from None

    return wrapper  # type: ignore[return-value]


class OutputFormat(str, Enum):
    table = "table"
    json = "json"


def _version(value: bool) -> None:
    if value:
        from grader.bundled import describe

        typer.echo(f"grader {__version__}\n{describe()}")
        raise typer.Exit(0)


@app.callback()
def main_callback(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version, and where the bundled pack and set are read from, and exit.")] = False,
) -> None:
    """grader: evidence + declarative rules -> explained, repeatable grades."""


EvidenceArg = Annotated[
    Path | None,
    typer.Argument(help="Evidence set folder. Default: the bundled Derbyshire 2008 set.", show_default=False),
]
RulesOpt = Annotated[
    Path | None,
    typer.Option("--rules", "-r", metavar="PACK", help="Rule pack folder. Default: the bundled ACPO major crime pack.",
                 show_default=False),
]


class Audience(str, Enum):
    public = "public"
    force = "force"
    inspectorate = "inspectorate"


AudienceOpt = Annotated[Audience | None, typer.Option(
    "--audience", "-a", show_default=False,
    help="Show only what this audience may see: public (OFFICIAL only), force (up to OFFICIAL-SENSITIVE) or "
         "inspectorate (all). Default: everything, unfiltered, under a banner naming its highest marking.")]


#: For outputs meant to be shared (the report, the OSCAL export): the public unless asked otherwise.
PublicByDefaultOpt = Annotated[Audience, typer.Option(
    "--audience", "-a", help="public (OFFICIAL only), force (up to OFFICIAL-SENSITIVE) or inspectorate (all).")]
FromResultOpt = Annotated[Path | None, typer.Option(
    "--from-result", metavar="FILE", help="Use a result JSON saved by 'grader grade --format json' instead of grading.",
    show_default=False)]


def _banner(text: str) -> None:
    """The protective-marking line, above and below an output that shows evidence."""
    from rich.text import Text

    _stdout().print(Text(text, style="bold"))


JudgementsOpt = Annotated[
    Path | None,
    typer.Option("--judgements", metavar="FILE", help="Judgements file to use instead of the set's own judgements.yaml "
                                      "(for a one-file set: NAME.judgements.yaml beside it).", show_default=False),
]


NotesOpt = Annotated[bool, typer.Option("--notes", help="List each note too (true, not a mistake: e.g. a statistic "
                                                         "no rule weighs); by default they are only counted.")]


QuietOpt = Annotated[bool, typer.Option(
    "--quiet", "-q", help="Print no confirmation, progress, warning or note: only errors (and what fails the "
                          "run). Exit codes are unchanged.")]


def _to_stdout(out: Path | None) -> bool:
    """Whether an output option was given as ``-``: standard output."""
    return out is not None and str(out) == "-"


def _refuse_stdout(out: Path | None, command: str, option: str, why: str) -> None:
    """Exit 2 with one line when ``-`` is given to an option that cannot write to standard output."""
    if _to_stdout(out):
        _stderr().print(f"grader {command}: {option} - (standard output) cannot be used here: {why}", markup=False)
        raise typer.Exit(2)


def _confirm(quiet: bool, text: str) -> None:
    """The one confirmation line on stderr (stdout stays clean for pipes), unless ``--quiet``."""
    if not quiet:
        _stderr().print(text, markup=False)


def _print_problems(problems: list[Problem], notes: bool) -> None:
    """One line per error and warning, and per note if asked: at most the first
    :data:`~grader.errors.MAX_PROBLEMS_SHOWN`, then a count of the rest per file, as for a
    broken file (a set of 100,000 items no rule weighs would otherwise bury the first fix)."""
    from grader.errors import capped

    for p in capped([p for p in problems if p.severity != "note" or notes]):
        if p.severity == "error":
            _echo(p.line_text())
        else:
            _echo(f"{p.line_text()} ({p.severity})")


def _failing(problems: list[Problem], strict: bool) -> list[Problem]:
    """What fails a check: its errors, and with ``--strict`` its warnings (what ``--quiet`` still prints)."""
    return [p for p in problems if p.severity == "error" or (strict and p.severity == "warning")]


def _counts(problems: list[Problem], notes: bool) -> str:
    """``N errors, M warnings`` and, if there are notes, how many and how to see them (wrapped
    between words at the console's width, unlike the problem lines above it)."""
    by = {s: sum(1 for p in problems if p.severity == s) for s in ("error", "warning", "note")}
    text = f"{by['error']} errors, {by['warning']} warnings"
    if by["note"]:
        codes = ", ".join(sorted({p.code for p in problems if p.severity == "note"}))
        text += f", {by['note']} notes ({codes}{'' if notes else '; --notes lists them'})"
    from grader.render.layout import wrap_lines

    return wrap_lines(text, _stdout().width)


@app.command()
@handles_errors
def grade(
    evidence: Annotated[
        list[Path] | None,
        typer.Argument(help="Evidence set folder; several, or a folder of evidence sets, grade a programme. "
                            "Default: the bundled Derbyshire 2008 set.", show_default=False),
    ] = None,
    rules: RulesOpt = None,
    fmt: Annotated[OutputFormat, typer.Option("--format", "-f", help="table or json.")] = OutputFormat.table,
    out: Annotated[Path | None, typer.Option("--out", "-o", metavar="PATH", help="Write the JSON result to this file "
                                             "('-' for standard output; several sets: one <set id>.json each "
                                             "into this folder).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Several sets: replace result files already in --out.")] = False,
    audience: AudienceOpt = None,
    judgements: JudgementsOpt = None,
    require_signoff: Annotated[bool, typer.Option(
        "--require-signoff", help="Exit 1 unless the set is validly signed off (see 'grader signoff').")] = False,
    quiet: QuietOpt = False,
) -> None:
    """Grade an evidence set against a rule pack and show every grade with its reasons."""
    from grader.audience import redact_result, result_banner
    from grader.grading.batch import is_batch
    from grader.grading.run import grade_paths
    from grader.outputs import write_atomic
    from grader.render.json import render_json

    who = audience.value if audience else None
    if evidence and is_batch(evidence):
        if judgements is not None or require_signoff:
            raise typer.BadParameter("--judgements and --require-signoff are for one evidence set")
        _refuse_stdout(out, "grade", "--out", "several evidence sets are written one file each into a folder; "
                                              "give a folder, or leave --out out to see the summary only")
        _grade_programme(evidence, rules or default_pack(), fmt, out, force, who, quiet)
        return
    result = grade_paths(evidence[0] if evidence else default_evidence(), rules or default_pack(), judgements)
    if who is not None:
        result = redact_result(result, who)
    to_file = out is not None and not _to_stdout(out)
    if to_file:
        write_atomic(out, render_json(result))
    if fmt is OutputFormat.json or _to_stdout(out):
        if not to_file:
            _write_json(render_json(result))
    else:
        from grader.render.table import render_table

        _banner(result_banner(result))
        render_table(result, _stdout())
        _banner(result_banner(result))
    if to_file:
        _confirm(quiet, f"Wrote {out} (the JSON result{'' if who is None else f', for {_audience_words(who)}'})")
    if require_signoff:
        _require_signoff(result)


def _audience_words(audience: str) -> str:
    from grader.audience import AUDIENCE_WORDS

    return AUDIENCE_WORDS[audience]


def _require_signoff(result: Any) -> None:
    """The publishing gate: exit 1, saying why, unless the result is validly signed off."""
    status = result.signoff
    if status is None or status.status != "signed":
        _stderr().print(f"grader: SIGN-001 {status.message if status else 'not signed off'}; "
                        "required by --require-signoff (see docs/judgement.md)", markup=False)
        raise typer.Exit(EXIT_TEST_FAILED)


def _grade_programme(evidence: list[Path], rules: Path, fmt: OutputFormat, out: Path | None, force: bool,
                     audience: str | None, quiet: bool = False) -> None:
    """``grade`` with several evidence sets: progress on stderr, one summary table, exit 65 if any failed.

    With ``audience``, each result file written holds only what that audience may see."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from grader.grading.batch import grade_batch
    from grader.render.batch import render_batch, render_batch_json
    from grader.render.json import render_json

    err = _stderr()
    with Progress(TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.description}"), console=err, transient=True, disable=quiet) as bar:
        task = bar.add_task("", total=None)

        def progress(done: int, total: int, name: str) -> None:
            bar.update(task, total=total, completed=done, description=name)

        report = grade_batch(evidence, rules, out, render_json, force=force, progress=progress, audience=audience)
    for name in [] if quiet else report.ignored:
        err.print(f"{name}: BATCH-001 not an evidence set (a folder, .yaml, .csv or .xlsx); passed over",
                  markup=False)
    for failure in report.failed:
        for p in failure.problems:
            err.print(p.line_text(), markup=False)
    failed = [(f.input, f.problems) for f in report.failed]
    if fmt is OutputFormat.json:
        _write_json(render_batch_json(report.graded, failed))
    else:
        from grader.audience import banner, highest_marking

        line = banner(highest_marking(f.marking for f in report.graded), audience,
                      sum(f.withheld for f in report.graded))
        render_batch(report.graded, failed, _stdout())
        if out is not None:
            _banner(f"Results written: {line}")
    if report.exit_code:
        raise typer.Exit(report.exit_code)


def _for_audience(results: list[tuple[str, GradingResult]], audience: Audience | None
                  ) -> list[tuple[str, GradingResult]]:
    """``results`` filtered for ``audience`` (unchanged when none is given)."""
    if audience is None:
        return results
    from grader.audience import redact_result

    return [(name, redact_result(r, audience.value)) for name, r in results]


@app.command()
@handles_errors
def diff(
    old: Annotated[Path, typer.Argument(help="The earlier result JSON (from grade --format json --out).")],
    new: Annotated[Path, typer.Argument(help="The later result JSON.")],
    fmt: Annotated[OutputFormat, typer.Option("--format", "-f", help="table or json.")] = OutputFormat.table,
    exit_code: Annotated[bool, typer.Option("--exit-code", help="Exit 1 when anything changed.")] = False,
    audience: AudienceOpt = None,
) -> None:
    """What changed between two results of a force, per criterion, pillar and overall, and why."""
    from grader.analysis.diff import diff_results
    from grader.analysis.results import load_results
    from grader.audience import banner, withheld_across
    from grader.render.diff import render_diff, render_diff_json

    loaded = load_results([old, new])
    (_, before), (_, after) = _for_audience(loaded, audience)
    changes = diff_results(before, after)
    if fmt is OutputFormat.json:
        _write_json(render_diff_json(changes))
    else:
        line = banner(changes.marking, changes.audience, withheld_across([r for _, r in loaded], audience.value if audience else None))
        _banner(line)
        render_diff(changes, _stdout())
        _banner(line)
    if exit_code and not changes.no_change:
        raise typer.Exit(EXIT_TEST_FAILED)


@app.command()
@handles_errors
def moderate(
    results: Annotated[list[Path], typer.Argument(help="Result JSON files, or folders of them (e.g. a grade --out folder).")],
    fmt: Annotated[OutputFormat, typer.Option("--format", "-f", help="table or json.")] = OutputFormat.table,
    audience: AudienceOpt = None,
) -> None:
    """Consistency across forces: same evidence but different outcomes; outcomes on thin evidence."""
    from grader.analysis.moderation import moderate as moderate_results
    from grader.analysis.results import load_results
    from grader.audience import banner
    from grader.render.moderation import render_moderation, render_moderation_json

    loaded = _for_audience(load_results(results), audience)
    report = moderate_results(loaded)
    if fmt is OutputFormat.json:
        _write_json(render_moderation_json(report))
    else:
        line = banner(report.marking, report.audience, sum(r.meta.withheld for _, r in loaded))
        _banner(line)
        render_moderation(report, _stdout())
        _banner(line)


class CheckFormat(str, Enum):
    text = "text"
    json = "json"


@app.command()
@handles_errors
def explain(
    criterion: Annotated[str | None, typer.Argument(
        help="Criterion id, e.g. INT-01. With --pillar or --overall, leave it out "
             "(the first argument is then the evidence set).", show_default=False)] = None,
    evidence: EvidenceArg = None,
    rules: RulesOpt = None,
    pillar: Annotated[str | None, typer.Option("--pillar", "-p", metavar="PILLAR", help="Explain how this pillar's grade rolled up.",
                                               show_default=False)] = None,
    overall: Annotated[bool, typer.Option("--overall", help="Explain how the overall grade rolled up.")] = False,
    audience: AudienceOpt = None,
    judgements: JudgementsOpt = None,
    fmt: Annotated[CheckFormat, typer.Option("--format", "-f", help="text or json (the same account as data, "
                                                                     "filtered for --audience alike).")]
    = CheckFormat.text,
) -> None:
    """Show how a criterion was decided (every rule, every clause, the evidence each matched, the
    closest miss of a clause that found too little), or how a pillar or the overall grade rolled up."""
    from grader.authoring import explain as ex

    who = audience.value if audience else None
    as_data = fmt is CheckFormat.json

    if pillar is not None or overall:
        if pillar is not None and overall:
            raise typer.BadParameter("use --pillar or --overall, not both")
        if criterion is not None and evidence is not None:
            raise typer.BadParameter(f"with --pillar or --overall, name no criterion (got {criterion!r})")
        where = evidence or (Path(criterion) if criterion is not None else default_evidence())
        if pillar is not None:
            account = (ex.explain_pillar_data if as_data else ex.explain_pillar)(
                pillar, where, rules or default_pack(), judgements, who)
        else:
            account = (ex.explain_overall_data if as_data else ex.explain_overall)(
                where, rules or default_pack(), judgements, who)
    elif criterion is None:
        raise typer.BadParameter("name a criterion (e.g. INT-01), or use --pillar PILLAR or --overall")
    else:
        account = (ex.explain_criterion_data if as_data else ex.explain_criterion)(
            criterion, evidence or default_evidence(), rules or default_pack(), judgements, who)
    if as_data:
        _write_json(json.dumps(account, indent=2) + "\n")
        return
    text = str(account)
    from grader.render.layout import wrap_lines

    _echo(wrap_lines(text, _stdout().width))


@rules_app.command("check")
@handles_errors
def rules_check(
    pack: Annotated[Path | None, typer.Argument(help="Rule pack folder.", show_default=False)] = None,
    fmt: Annotated[CheckFormat, typer.Option("--format", "-f", help="text or json.")] = CheckFormat.text,
    strict: Annotated[bool, typer.Option("--strict", help="Fail (exit 1) on warnings too (never on notes).")] = False,
    notes: NotesOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Validate a rule pack: schema, names, engine limits, and a semantic lint (unreachable rules,
    contradictions, band gaps, outcomes a pillar needs, roll-up grades that can never be given)."""
    from grader.authoring.check import check_pack

    problems = check_pack(pack or default_pack())
    if fmt is CheckFormat.json:
        _write_json(json.dumps([p.model_dump() for p in problems], indent=2) + "\n")
    elif quiet:
        _print_problems(_failing(problems, strict), notes=False)
    else:
        _print_problems(problems, notes)
        _echo(_counts(problems, notes))
    if any(p.severity == "error" or (strict and p.severity == "warning") for p in problems):
        raise typer.Exit(EXIT_TEST_FAILED)


@rules_app.command("test")
@handles_errors
def rules_test(
    pack: Annotated[Path | None, typer.Argument(help="Rule pack folder. Default: the bundled ACPO major crime pack.",
                                                show_default=False)] = None,
    junit: Annotated[Path | None, typer.Option("--junit", metavar="FILE", help="Also write a JUnit XML report.")] = None,
    select: Annotated[list[str] | None, typer.Option(
        "-k", metavar="CRITERION", show_default=False,
        help="Run only the cases of the criteria whose id contains this (e.g. ENF-04, or ENF for a pillar's), "
             "or 'pack' for the whole-pack cases; repeat to add more. Coverage is then of those criteria.")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="List every case, passed or failed.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the failures and one line of totals "
                                                              "(for a CI log).")] = False,
) -> None:
    """Run the pack's test cases (tests/<CRITERION>.yaml and tests/pack.yaml): failures in full,
    then which rules never held and which clauses never matched, in words."""
    from grader.authoring.report import NothingSelected, junit_xml, render_test_report, run_pack_tests

    _refuse_stdout(junit, "rules test", "--junit", "the test listing goes there; give a file such as junit.xml")
    if verbose and quiet:
        raise typer.BadParameter("--verbose and --quiet: choose one")
    try:
        summary = run_pack_tests(pack or default_pack(), select or ())
    except NothingSelected as exc:
        raise typer.BadParameter(str(exc), param_hint="-k") from None
    verbosity = "verbose" if verbose else "quiet" if quiet else "normal"
    _echo(render_test_report(summary, verbosity, _stdout().width), nl=False)
    if junit is not None:
        from grader.outputs import write_atomic

        write_atomic(junit, junit_xml(summary))
        _confirm(quiet, f"Wrote {junit} (a JUnit report)")
    if summary.failed:
        raise typer.Exit(EXIT_TEST_FAILED)


@rules_app.command("new")
@handles_errors
def rules_new(
    criterion: Annotated[str, typer.Argument(help="The new criterion's id, e.g. PRE-08.")],
    pillar: Annotated[str, typer.Option("--pillar", "-p", help="The pillar it belongs to.")],
    pack: Annotated[Path | None, typer.Option(
        "--pack", show_default=False,
        help="Rule pack folder to add to. Default: the current folder, if it is a pack (never the bundled pack: "
             "copy that first).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace files that already exist.")] = False,
) -> None:
    """Scaffold criteria/<ID>.yaml and tests/<ID>.yaml: they load, their tests pass, and
    'rules check' lists the TODOs left to write."""
    from grader.authoring.scaffold import NoPackHere, new_criterion, pack_to_extend
    from grader.loading.files import display_path

    try:
        pack = pack_to_extend(pack, criterion, pillar)
    except NoPackHere as exc:  # a usage error, printed plainly so the commands in it copy whole
        _echo(str(exc), err=True)
        raise typer.Exit(2) from None
    made = new_criterion(pack, criterion, pillar, force=force)
    _echo(f"created {display_path(made.criterion_file)}")
    _echo(f"created {display_path(made.test_file)}")
    _echo(f"next: write the criterion and its tests, then: grader rules test {display_path(pack)}")


class ReportFormat(str, Enum):
    md = "md"
    html = "html"


@app.command()
@handles_errors
def report(
    evidence: EvidenceArg = None,
    rules: RulesOpt = None,
    from_result: FromResultOpt = None,
    fmt: Annotated[ReportFormat, typer.Option("--format", "-f", help="md or html.")] = ReportFormat.md,
    out: Annotated[Path | None, typer.Option("--out", "-o", metavar="FILE", help="Write the report to this file "
                                                                             "('-' for standard output).")] = None,
    audience: PublicByDefaultOpt = Audience.public,
    judgements: JudgementsOpt = None,
    require_signoff: Annotated[bool, typer.Option(
        "--require-signoff", help="Write nothing, and exit 1, unless the grades are validly signed off.")] = False,
    quiet: QuietOpt = False,
) -> None:
    """Write the grade rationale report: every grade with its reasons, evidence and what would change it."""
    from grader.outputs import write_atomic
    from grader.loading.result import read_result
    from grader.render.report import render_report

    if from_result is not None:
        if evidence is not None or rules is not None or judgements is not None:
            _stderr().print("grader report: give either --from-result or EVIDENCE/--rules/--judgements, not both",
                            markup=False)
            raise typer.Exit(2)
        result = read_result(from_result)
    else:
        from grader.grading.run import grade_paths

        result = grade_paths(evidence or default_evidence(), rules or default_pack(), judgements)
    if require_signoff:
        from grader.audience import redact_result

        _require_signoff(redact_result(result, audience.value))  # the refusal names what the report may
    text = render_report(result, fmt.value, audience.value)
    if out is not None and not _to_stdout(out):
        write_atomic(out, text)
        _confirm(quiet, f"Wrote {out} (the report in {'HTML' if fmt is ReportFormat.html else 'Markdown'}, "
                        f"for {_audience_words(audience.value)})")
    else:
        _echo(text, nl=False)


@app.command()
@handles_errors
def signoff(
    evidence: Annotated[Path, typer.Argument(help="Evidence set: a folder, or a .yaml, .csv or .xlsx file.")],
    by: Annotated[str, typer.Option("--by", metavar="NAME", help="Your name, as the record should show it.")],
    role: Annotated[str, typer.Option("--role", metavar="ROLE", help="Your role, e.g. 'Head of moderation'.")],
    rules: RulesOpt = None,
    note: Annotated[str | None, typer.Option("--note", metavar="TEXT", help="A remark kept with the record.")] = None,
    date: Annotated[str | None, typer.Option("--date", metavar="DATE", help="The sign-off date, YYYY-MM-DD (default: today).",
                                             show_default=False)] = None,
    judgements: JudgementsOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Grade the set and append your sign-off of exactly these grades and input files to its signoffs.yaml."""
    import datetime as dt

    from grader.signoff import sign_off

    try:
        day = dt.date.fromisoformat(date) if date is not None else None
    except ValueError:
        raise typer.BadParameter(f"{date!r} is not a date written YYYY-MM-DD", param_hint="--date") from None
    if not by.strip() or not role.strip():
        raise typer.BadParameter("--by and --role need your name and your role, not blanks")
    done = sign_off(evidence, rules or default_pack(), by=by, role=role, note=note, date=day, judgements=judgements)
    if quiet:
        return
    typer.echo(f"signed off by {done.record.by} ({done.record.role}) on {done.record.date}: "
               f"overall {done.record.grades['overall']}; recorded in {done.path}")
    typer.echo(f"sign-off status: {done.status.status}: {done.status.message}")


class SchemaName(str, Enum):
    rules = "rules"
    pack = "pack"
    facts = "facts"
    result = "result"
    evidence = "evidence"
    evidence_set = "evidence-set"
    judgements = "judgements"
    signoffs = "signoffs"


@app.command()
def schema(which: Annotated[SchemaName, typer.Argument(
        metavar="KIND", help="rules (a criterion file), pack (pack.yaml), facts (a fact catalogue file), result, "
             "evidence (an item file), evidence-set, judgements or signoffs.")]) -> None:
    """Print the JSON Schema of a file grader reads or writes, generated from its models (the same
    text as grader/schemas/*.json, which the bundled files' yaml-language-server lines name)."""
    from grader.schemas import schema_text

    sys.stdout.write(schema_text(which.value))


@evidence_app.command("check")
@handles_errors
def evidence_check(
    evidence: Annotated[Path | None, typer.Argument(
        help="Evidence set: a folder, or a .yaml, .csv or .xlsx file. Default: the bundled Derbyshire 2008 set.",
        show_default=False)] = None,
    rules: RulesOpt = None,
    strict: Annotated[bool, typer.Option("--strict", help="Fail (exit 1) on warnings too (never on notes), e.g. "
                                                          "a strength or shortfall no rule of its criterion weighs "
                                                          "(EVID-032).")] = False,
    notes: NotesOpt = False,
    fmt: Annotated[CheckFormat, typer.Option("--format", "-f", help="text or json.")] = CheckFormat.text,
    quiet: QuietOpt = False,
) -> None:
    """Every mistake in an evidence set, located, with warnings and a count per pillar and kind."""
    from grader.authoring.evidence_check import check_evidence

    report = check_evidence(evidence or default_evidence(), rules or default_pack())
    if fmt is CheckFormat.json:
        from grader.render.evidence import evidence_check_json

        _write_json(evidence_check_json(report.problems, report.summary if report.loaded is not None else None))
    elif quiet:
        _print_problems(_failing(report.problems, strict), notes=False)
    else:
        from grader.render.evidence import render_evidence_summary

        _print_problems(report.problems, notes)
        if report.loaded is not None:
            render_evidence_summary(report.summary, _stdout())
        _echo(_counts(report.problems, notes))
    if report.errors or (strict and report.warnings):
        raise typer.Exit(EXIT_TEST_FAILED)


@evidence_app.command("template")
@handles_errors
def evidence_template(
    xlsx: Annotated[Path | None, typer.Option("--xlsx", metavar="FILE", help="Write the capture workbook to this .xlsx file.",
                                              show_default=False)] = None,
    csv_folder: Annotated[Path | None, typer.Option(
        "--csv", metavar="FOLDER", show_default=False,
        help="Write a CSV capture folder instead: evidence-set.yaml, one items/<pillar>.csv per pillar with the "
             "pack's fact columns, items/indicators.csv and a README.md with an example row for each.")] = None,
    rules: RulesOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Replace the file, or a folder --csv wrote before.")] = False,
    quiet: QuietOpt = False,
) -> None:
    """Write a capture workbook for a rule pack (a sheet per pillar, drop-downs, fact columns), or
    the same as CSV files (--csv)."""
    if (xlsx is None) == (csv_folder is None):
        _echo("grader evidence template: give --xlsx FILE (a workbook) or --csv FOLDER (CSV files), one of them",
              err=True)
        raise typer.Exit(2)
    if csv_folder is not None:
        from grader.authoring.capture import write_csv_template

        _refuse_stdout(csv_folder, "evidence template", "--csv", "it writes a folder; give a folder name such as capture")
        write_csv_template(rules or default_pack(), csv_folder, force=force)
        _confirm(quiet, f"Wrote {csv_folder} (a CSV capture folder: read its README.md to fill it in)")
        return
    from grader.authoring.capture import write_capture_template

    _refuse_stdout(xlsx, "evidence template", "--xlsx", "a workbook is a file; give a name such as capture.xlsx")
    write_capture_template(rules or default_pack(), xlsx, force=force)
    _confirm(quiet, f"Wrote {xlsx} (a capture workbook)")


@evidence_app.command("import-report")
@handles_errors
def evidence_import_report(
    report_file: Annotated[Path, typer.Argument(metavar="REPORT", help="Inspection report text (the HMIC 2008 layout).")],
    out: Annotated[Path, typer.Option("--out", "-o", metavar="DIR", help="Evidence set folder to create.")],
    rules: RulesOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Replace the folder if it exists.")] = False,
    set_id: Annotated[str | None, typer.Option("--set-id", metavar="ID", help="Id of the new set (default: force and year).")] = None,
    force_name: Annotated[str | None, typer.Option("--force-name", metavar="NAME", help="The force, if the report does not say.")] = None,
    verified: Annotated[bool, typer.Option("--verified", help="Mark the items verified (default: not, "
                                                              "until an inspector has checked them).")] = False,
    quiet: QuietOpt = False,
) -> None:
    """Turn a published report into an evidence set: one item per bullet, matched to criteria."""
    from grader.importers.report import TODO_FILE, import_report

    _refuse_stdout(out, "evidence import-report", "--out", "an evidence set is a folder of files; give a folder name")
    result = import_report(report_file, rules or default_pack(), out, force=force, set_id=set_id,
                           force_name=force_name, verified=verified)
    _echo((out / TODO_FILE).read_text(encoding="utf-8"), nl=False)
    if quiet:
        return
    err = _stderr()
    for u in result.unmatched:
        err.print(f"{report_file}:{u.line}: IMPORT-050 {u.section} matches no criterion of the pack; "
                  f"its {u.items} items were written with no criteria", markup=False)
    err.print(f"imported {result.qualitative} items in "
              f"{sum(1 for ids in result.criteria_items.values() if ids)} criteria and {result.indicators} "
              f"indicator rows into {out}; facts to fill in: {out / TODO_FILE}", markup=False)


OutFileOpt = Annotated[Path, typer.Option("--out", "-o", metavar="FILE", help="Write to this file ('-' for standard output).",
                                           show_default=False)]


def _write_out(out: Path, text: str, what: str, quiet: bool) -> None:
    """``text`` to ``out`` (atomically) and a confirmation on stderr, or to stdout when ``out`` is ``-``."""
    if _to_stdout(out):
        _write_json(text)
        return
    from grader.outputs import write_atomic

    write_atomic(out, text)
    _confirm(quiet, f"Wrote {out} ({what})")


@export_app.command("oscal")
@handles_errors
def export_oscal(
    evidence: EvidenceArg = None,
    rules: RulesOpt = None,
    from_result: FromResultOpt = None,
    out: OutFileOpt = ...,  # type: ignore[assignment]
    audience: PublicByDefaultOpt = Audience.public,
    quiet: QuietOpt = False,
) -> None:
    """Write the grading as an OSCAL 1.2.1 assessment-results document (docs/oscal.md)."""
    from grader.audience import redact_result
    from grader.render.oscal import render_oscal

    if from_result is not None:
        if evidence is not None or rules is not None:
            _stderr().print("grader export oscal: give either --from-result or EVIDENCE/--rules, not both",
                            markup=False)
            raise typer.Exit(2)
        from grader.loading.result import read_result

        result = read_result(from_result)
    else:
        from grader.grading.run import grade_paths

        result = grade_paths(evidence or default_evidence(), rules or default_pack())
    _write_out(out, render_oscal(redact_result(result, audience.value)),
               f"OSCAL assessment results, for {_audience_words(audience.value)}", quiet)


@export_app.command("oscal-catalog")
@handles_errors
def export_oscal_catalog(
    pack: Annotated[Path | None, typer.Argument(help="Rule pack folder. Default: the bundled ACPO major crime pack.",
                                                show_default=False)] = None,
    out: OutFileOpt = ...,  # type: ignore[assignment]
    quiet: QuietOpt = False,
) -> None:
    """Write a rule pack as an OSCAL 1.2.1 catalog: pillars as groups, criteria as controls."""
    from grader.authoring.catalog import render_catalog
    from grader.loading.pack import load_pack

    where = pack or default_pack()
    _write_out(out, render_catalog(load_pack(where).pack, where), "an OSCAL catalog", quiet)


def main() -> None:
    """Console-script entry point: run the command, then end the process without tearing it down.

    A finished command has written everything it writes (result files are closed by
    ``write_atomic``; stdout and stderr are flushed here) and holds nothing else to release, so
    the interpreter's teardown, which walks every object the run built with the cyclic garbage
    collector (about 45 ms after grading, against 2 to 3 ms for an empty interpreter), buys
    nothing. Exit handlers still run; the exit code is the command's. If flushing fails (a
    closed pipe), the ordinary exit reports it as Python always has.
    """
    import atexit
    import os

    try:
        app()
        code: object = 0
    except SystemExit as exc:
        code = exc.code
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        raise SystemExit(code) from None
    if code is None:
        code = 0
    elif not isinstance(code, int):  # as sys.exit("message") does: the message on stderr, exit 1
        print(code, file=sys.stderr, flush=True)
        code = 1
    atexit._run_exitfuncs()
    os._exit(code)
