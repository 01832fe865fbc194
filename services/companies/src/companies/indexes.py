"""`python -m companies.indexes`: builds the service's MongoDB indexes (servicekit.index_builds)."""

from companies.applications_store import ApplicationStore
from companies.config import Settings
from companies.store import EstablishmentStore
from servicekit.index_builds import ServiceIndexes, indexes_of

INDEXES = ServiceIndexes(Settings, indexes_of(EstablishmentStore), indexes_of(ApplicationStore))
build_indexes = INDEXES.build

if __name__ == "__main__":
    INDEXES.run()
