"""`python -m trainings.indexes`: builds the service's MongoDB indexes (servicekit.index_builds)."""

from servicekit.index_builds import ServiceIndexes, indexes_of
from trainings.config import Settings
from trainings.recommendations import RecommendationStore
from trainings.store import SessionStore

INDEXES = ServiceIndexes(Settings, indexes_of(SessionStore), indexes_of(RecommendationStore))
build_indexes = INDEXES.build

if __name__ == "__main__":
    INDEXES.run()
