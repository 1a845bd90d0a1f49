"""The import sources forcesight knows, by the name the CLI and web app use."""

from __future__ import annotations

from forcesight.errors import UnknownSourceError
from forcesight.ingest.home_office import OffencesReader, RollingYearReader
from forcesight.ingest.home_office_workforce import WorkforceStatisticsReader
from forcesight.ingest.incident_log import IncidentLogReader
from forcesight.ingest.ons import OnsLsoaReader
from forcesight.ingest.police_uk import PoliceUkReader
from forcesight.ingest.runner import Reader
from forcesight.ingest.workforce import WorkforceReader

_ALL: tuple[Reader, ...] = (
    PoliceUkReader(),
    RollingYearReader(),
    OffencesReader(),
    WorkforceStatisticsReader(),
    OnsLsoaReader(),
    IncidentLogReader(),
    WorkforceReader(),
)

READERS: dict[str, Reader] = {reader.source: reader for reader in _ALL}

SOURCES: tuple[str, ...] = tuple(READERS)


def reader_for(source: str) -> Reader:
    try:
        return READERS[source]
    except KeyError:
        raise UnknownSourceError(source, SOURCES) from None
