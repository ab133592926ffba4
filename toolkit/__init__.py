"""migrate-action: safe PostgreSQL schema migrations for GitHub Actions."""

__version__ = "0.1.0"
