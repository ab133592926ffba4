"""Test session: one real PostgreSQL cluster (and, from their own fixture modules, one S3 server and
one GitHub API stand-in) shared by every test; each test gets its own fresh database."""

from __future__ import annotations

import importlib.util

# Fixture modules by area; each is a pytest plugin of its own so areas do not share a file.
pytest_plugins = [
    name for name in (
        "tests.fixtures.pg",
        "tests.fixtures.s3",
        "tests.fixtures.github_api",
        "tests.fixtures.health_app",
    ) if importlib.util.find_spec(name) is not None
]
