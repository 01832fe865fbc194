"""`python -m notifier.indexes`: builds the service's MongoDB indexes (servicekit.index_builds)."""

from notifier.config import Settings
from notifier.store import NotifierStore
from servicekit.index_builds import ServiceIndexes

INDEXES = ServiceIndexes(Settings, lambda database: NotifierStore(database).ensure_indexes())
build_indexes = INDEXES.build

if __name__ == "__main__":
    INDEXES.run()
