"""Tools for people who write rule packs: test, check, explain, scaffold."""
