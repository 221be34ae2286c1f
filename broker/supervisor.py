"""Moved to :mod:`runner.supervisor` (issue 7); this alias goes once every importer has moved."""

from runner.supervisor import Child, Supervisor

__all__ = ["Child", "Supervisor"]
