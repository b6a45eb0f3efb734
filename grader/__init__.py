"""grader: explained, repeatable compliance grading for police inspection.

The flow runs one way: ``loading`` turns files into validated models, ``engine`` matches
evidence against compiled rules (durable-rules), ``grading`` decides criterion outcomes and
rolls them up, and ``render`` presents a finished result. Nothing downstream decides a grade.
"""

#: The one place the version is written: the build reads it from here too (pyproject.toml,
#: ``[tool.hatch.version]``), so the installed package's metadata and ``grader --version`` agree
#: without ``importlib.metadata`` (which imports the ``email`` package, about 30 ms) at start-up.
__version__ = "0.1.0"

__all__ = ["__version__"]
