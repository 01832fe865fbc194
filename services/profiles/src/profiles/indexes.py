"""`python -m profiles.indexes`: builds the service's MongoDB indexes (servicekit.index_builds)."""

from profiles.config import Settings
from profiles.store import ProfileStore
from servicekit.index_builds import ServiceIndexes

INDEXES = ServiceIndexes(Settings, lambda database: ProfileStore(database).ensure_indexes())
build_indexes = INDEXES.build

if __name__ == "__main__":
    INDEXES.run()
