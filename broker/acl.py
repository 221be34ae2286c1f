"""Moved to :mod:`hall.acl` (issue 7); this alias goes once every importer has moved."""

from hall.acl import READS_HALL, acl_file, client_rules

__all__ = ["READS_HALL", "acl_file", "client_rules"]
