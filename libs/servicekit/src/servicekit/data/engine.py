"""What the MongoDB-compatible server under a service can do, learned once at start-up.

Production runs on MongoDB; development machines and CI on FerretDB 1.24 over SQLite, built by
`deploy/local/stack.py` with its `_id` lookups fixed and the `_id` part of every filter sent to
SQLite. Every difference that matters to the services is one field here, and only
`servicekit.data` reads them: services never ask which engine runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pymongo.asynchronous.database import AsyncDatabase

EngineChoice = Literal["auto", "mongodb", "ferretdb"]


@dataclass(frozen=True)
class Capabilities:
    name: str
    # An update is applied atomically against its filter (MongoDB). FerretDB 1.24 reads, then
    # writes, without isolation: two concurrent updates of one document lose one of them, and a
    # conditional update's condition can be stale. There, writers of one document take turns
    # within the process (`Documents` holds its lock), and what must happen once across
    # replicas is decided by inserting a unique key, which stays atomic everywhere.
    isolated_updates: bool
    # Filters on fields other than `_id` are served by secondary indexes. FerretDB 1.24 reads
    # every document of the collection for them: scans are paced, hot paths go by `_id`.
    secondary_indexes: bool
    # Statements in one bulk write command. FerretDB 1.24 holds one SQLite connection per update
    # of a command until the command ends; a command of about 100 updates waits forever
    # (measured: 99 pass, 120 hang), and so does everything after it on that database.
    updates_per_command: int
    # Ids in one `{_id: {$in: [...]}}` lookup (the project's FerretDB build sends up to 500 to
    # SQLite's index; more are read by a scan).
    ids_per_query: int
    # A bulk write may hold upserts. One of them can fail with a duplicate key: its condition
    # fails on an existing document, or another writer created the document first. FerretDB 1.24
    # then stops the command there (unordered or not) and answers without `n` nor `nModified`,
    # on which PyMongo fails: nobody can tell what was applied. There, upserts go one by one.
    upserts_in_bulk: bool = True


MONGODB = Capabilities(
    name="mongodb",
    isolated_updates=True,
    secondary_indexes=True,
    updates_per_command=1000,
    ids_per_query=10_000,
)
FERRETDB = Capabilities(
    name="ferretdb",
    isolated_updates=False,
    secondary_indexes=False,
    updates_per_command=16,
    ids_per_query=256,
    upserts_in_bulk=False,
)
PROFILES = {profile.name: profile for profile in (MONGODB, FERRETDB)}


async def detect(database: AsyncDatabase[Any], choice: EngineChoice = "auto") -> Capabilities:
    """The server's capabilities; `choice` forces a profile (the adapter's contract tests run the
    MongoDB profile against FerretDB too, which evaluates every filter correctly, if slowly)."""
    if choice != "auto":
        return PROFILES[choice]
    answer = await database.command("buildInfo")
    return FERRETDB if "ferretdbVersion" in answer else MONGODB
