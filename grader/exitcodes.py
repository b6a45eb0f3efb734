"""Exit codes, shared by every command (documented in docs/cli.md).

A module of its own, importing nothing, so the CLI names them without importing
:mod:`grader.errors` (a pydantic model) on the way to ``--version`` or ``--help``;
:mod:`grader.errors` re-exports them.
"""

EXIT_OK = 0
EXIT_TEST_FAILED = 1  # `rules test` found a failing case; `rules check` found errors
EXIT_USAGE = 2  # typer/click usage errors (unknown option, missing argument)
EXIT_INPUT_ERROR = 65  # EX_DATAERR: an evidence, rule or result file is wrong
EXIT_ENGINE_ERROR = 70  # EX_SOFTWARE: the matching engine failed; a bug, not the user's fault
