"""Importing DPA and realisasi files: read, validate every row, plan, then write all or nothing."""

from budget.importing.errors import ImportRefused, RowError
from budget.importing.reading import read_table

__all__ = ["ImportRefused", "RowError", "read_table"]
