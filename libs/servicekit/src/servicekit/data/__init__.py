"""The data layer: what the store can do (`engine`), collections through it (`documents`)."""

from servicekit.data.database import Database
from servicekit.data.documents import (
    ConcurrentUpdateError,
    Doc,
    Documents,
    Update,
    chunks,
    is_duplicate,
)
from servicekit.data.engine import FERRETDB, MONGODB, Capabilities, EngineChoice, detect

__all__ = [
    "FERRETDB",
    "MONGODB",
    "Capabilities",
    "ConcurrentUpdateError",
    "Database",
    "Doc",
    "Documents",
    "EngineChoice",
    "Update",
    "chunks",
    "detect",
    "is_duplicate",
]
