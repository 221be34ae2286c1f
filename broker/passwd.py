"""Moved to :mod:`runner.passwd` (issue 7); this alias goes once every importer has moved."""

from runner.passwd import hash_entry, password_file

__all__ = ["hash_entry", "password_file"]
