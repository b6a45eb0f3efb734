"""Pydantic models: what grader reads (evidence, rule packs) and what it writes (results).

Every model is strict and forbids unknown fields, so a typo in a file is an error with a
location, never a silently ignored key. JSON Schema for editors comes from these models.
"""
