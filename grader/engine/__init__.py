"""Matching: rule conditions compiled to durable-rules, evidence turned into engine facts.

Only :mod:`grader.engine.matcher` imports durable-rules. Nothing here formats text or decides
an outcome: the engine reports which items matched which clause, and nothing else.
"""
