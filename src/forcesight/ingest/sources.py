"""The import sources forcesight knows, by the name the CLI and web app use."""

from __future__ import annotations

from forcesight.errors import UnknownSourceError
from forcesight.ingest.police_uk import PoliceUkReader
from forcesight.ingest.runner import Reader

READERS: dict[str, Reader] = {r.source: r for r in (PoliceUkReader(),)}

SOURCES: tuple[str, ...] = tuple(READERS)


def reader_for(source: str) -> Reader:
    try:
        return READERS[source]
    except KeyError:
        raise UnknownSourceError(source, SOURCES) from None
