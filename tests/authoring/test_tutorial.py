"""docs/rule-authoring.md runs as written, so the tutorial cannot rot.

In a temporary folder holding a copy of rules/ and evidence/, every fenced ``sh`` block runs in
order (``grader`` in-process through typer's runner; ``cp -r`` as a folder copy), every ``yaml``
block whose opening line names a file is written to that file, each command must exit with
the code the page gives (``# exit N``, else 0), and every line of a ``text`` block after an
``sh`` block must appear in that block's output, in one line (``...`` stands for anything).
"""

from __future__ import annotations

import re
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from grader.cli import app

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "rule-authoring.md"
FENCE = re.compile(r"^```(?P<info>[^\n`]*)\n(?P<body>.*?)^```\s*$", re.MULTILINE | re.DOTALL)
EXIT = re.compile(r"\s+#\s*exit\s+(?P<code>\d+)\s*$")


@dataclass
class Block:
    info: str
    body: str
    line: int


def blocks(text: str) -> list[Block]:
    return [Block(m["info"].strip(), m["body"], text[: m.start()].count("\n") + 1) for m in FENCE.finditer(text)]


def run(command: str, runner: CliRunner) -> tuple[int, str]:
    argv = shlex.split(command)
    if argv[0] == "grader":
        # the tutorial shows output as a wide terminal prints it (narrower ones wrap long lines)
        res = runner.invoke(app, argv[1:], env={"COLUMNS": "200"})
        if res.exception is not None and not isinstance(res.exception, SystemExit):
            raise res.exception
        return res.exit_code, res.output
    if argv[:2] == ["cp", "-r"] and len(argv) == 4:
        shutil.copytree(argv[2], argv[3])
        return 0, ""
    raise AssertionError(f"the tutorial may only run grader and cp -r, not: {command}")


def line_matches(expected: str, output: str) -> bool:
    parts = [p.strip() for p in expected.strip().split("...")]
    for line in output.splitlines():
        at = 0
        for part in parts:
            found = line.find(part, at)
            if found < 0:
                break
            at = found + len(part)
        else:
            return True
    return False


def run_page(doc: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Run a docs page's blocks in order in a copy of rules/ and evidence/; each command with its exit code.

    Other pages with runnable commands (docs/judgement.md) are run by this too."""
    shutil.copytree(ROOT / "rules" / "acpo-major-crime-2008", tmp_path / "rules" / "acpo-major-crime-2008")
    shutil.copytree(ROOT / "evidence" / "derbyshire-2008", tmp_path / "evidence" / "derbyshire-2008")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    ran: list[tuple[str, int]] = []
    last: Block | None = None
    output = ""
    for block in blocks(doc.read_text(encoding="utf-8")):
        where = f"docs/{doc.name}:{block.line}"
        if block.info == "sh":
            output = ""
            for command in filter(None, (c.strip() for c in block.body.splitlines())):
                m = EXIT.search(command)
                expected = int(m["code"]) if m else 0
                command = EXIT.sub("", command)
                code, out = run(command, runner)
                assert code == expected, f"{where}: `{command}` exited {code}, the page says {expected}:\n{out}"
                ran.append((command, code))
                output += out
        elif block.info.startswith("yaml ") and len(block.info.split()) == 2:
            target = tmp_path / block.info.split()[1]
            assert target.parent.is_dir(), f"{where}: {target.parent} does not exist at this step"
            target.write_text(block.body, encoding="utf-8")
        elif block.info == "text":
            assert last is not None and last.info == "sh", f"{where}: a text block must follow an sh block"
            for expected in filter(None, (e.strip() for e in block.body.splitlines())):
                assert line_matches(expected, output), f"{where}: not in the output: {expected!r}\n{output}"
        last = block
    return ran


def test_the_tutorial_runs_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ran = run_page(DOC, tmp_path, monkeypatch)
    # the page walks the whole loop: scaffold, test, see a failure, explain, fix, check
    commands = [c for c, _ in ran]
    for needed in ("grader rules new", "grader rules test", "grader explain", "grader rules check"):
        assert any(c.startswith(needed) for c in commands), f"the tutorial never runs {needed}"
    assert any(c.startswith("grader rules test") and code == 1 for c, code in ran), "no test is seen to fail"
    failing = next(i for i, (c, code) in enumerate(ran) if c.startswith("grader rules test") and code == 1)
    assert any(c.startswith("grader rules test") and code == 0 for c, code in ran[failing:]), "never fixed"
    assert ran[-1][0].startswith("grader rules check") and ran[-1][1] == 0


def test_the_matcher_is_strict() -> None:
    assert line_matches("a ... c", "x a b c y")
    assert not line_matches("a ... c", "c b a")
    assert not line_matches("a ... c", "a\nc")
