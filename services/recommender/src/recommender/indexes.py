"""`python -m recommender.indexes`: builds the service's indexes (servicekit.index_builds)."""

from recommender.config import Settings
from recommender.repositories import open_repositories
from servicekit.index_builds import ServiceIndexes

# Opening the repositories builds their indexes.
INDEXES = ServiceIndexes(Settings, open_repositories)
build_indexes = INDEXES.build

if __name__ == "__main__":
    INDEXES.run()
