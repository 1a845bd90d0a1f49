"""Importers: one reader per source system, validation, quarantine and recorded import runs."""
