"""The workforce domain's own table: the history of changes made to the skills register in
forcesight (who added, renewed or revoked which award, when and why).

Imported rows keep their lineage in ``staff_skills``; rows written through forcesight have
``origin = 'app'`` there and one ``skill_events`` row here per change, written in the same
transaction. When the web app is installed its audit log gets an entry as well.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, Date, DateTime, ForeignKey, Integer, String, Table, Text

from forcesight.store.metadata import metadata

skill_events = Table(
    "skill_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("staff_skill_id", ForeignKey("staff_skills.id"), nullable=False, index=True),
    Column("staff_id", ForeignKey("staff.id"), nullable=False, index=True),
    Column("skill", String(60), nullable=False),
    Column("action", String(10), nullable=False),  # add | renew | revoke
    Column("effective_on", Date, nullable=False),  # award date, or revocation date
    Column("recorded_at", DateTime, nullable=False),
    Column("actor", String(80), nullable=False),
    Column("reason", Text),
    Column("detail", JSON),
)
