"""`python -m gateway.indexes`: builds the service's MongoDB indexes (servicekit.index_builds)."""

from gateway.access_log import AccessLog
from gateway.config import Settings
from gateway.shared_limits import COLLECTION as USAGE
from gateway.shared_limits import SharedUsage
from gateway.web.sessions import WebSessions
from servicekit.index_builds import ServiceIndexes

INDEXES = ServiceIndexes(
    Settings,
    lambda database: AccessLog(database.raw).ensure_indexes(),
    lambda database: WebSessions(database).ensure_indexes(),
    lambda database: SharedUsage(database.documents(USAGE), {}).ensure_indexes(),
)
build_indexes = INDEXES.build

if __name__ == "__main__":
    INDEXES.run()
