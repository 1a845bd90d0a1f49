"""The store: one relational schema on SQLite (default) or PostgreSQL."""

from forcesight.store import entities, reference, runs
from forcesight.store.engine import open_engine
from forcesight.store.metadata import metadata

__all__ = ["entities", "metadata", "open_engine", "reference", "runs"]
