"""Reading finished results side by side: batch summaries, year-on-year diff, moderation.

Everything here works on :class:`~grader.models.result.GradingResult` objects (or result JSON
files) only: it never grades, never touches the engine, and never decides a grade. It explains
how grades that were already decided differ, between forces or between years.
"""
