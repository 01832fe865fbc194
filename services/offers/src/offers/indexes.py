"""`python -m offers.indexes`: builds the service's MongoDB indexes (servicekit.index_builds)."""

from offers.applications_store import ApplicationStore
from offers.config import Settings
from offers.store import OfferStore
from servicekit.index_builds import ServiceIndexes, indexes_of

INDEXES = ServiceIndexes(Settings, indexes_of(OfferStore), indexes_of(ApplicationStore))
build_indexes = INDEXES.build

if __name__ == "__main__":
    INDEXES.run()
