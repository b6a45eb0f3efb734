"""grader: explained, repeatable compliance grading for police inspection.

The flow runs one way: ``loading`` turns files into validated models, ``engine`` matches
evidence against compiled rules (durable-rules), ``grading`` decides criterion outcomes and
rolls them up, and ``render`` presents a finished result. Nothing downstream decides a grade.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("grader")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"

__all__ = ["__version__"]
