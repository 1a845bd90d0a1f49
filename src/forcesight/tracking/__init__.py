"""Statutory and policy clocks: bail and RUI, victims' code, missing and wanted persons, digital
forensic submissions and supervisory reviews. See docs/tracking.md.

The engine is ``clocks.recompute``; the store is reached only through ``queries``; ``service``
holds the functions the CLI, the web pages and the report call.
"""
