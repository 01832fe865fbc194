"""`python -m gateway.indexes`: builds the service's MongoDB indexes. On Kubernetes, a Job runs it
at each upgrade (deploy/k8s/base/ops/indexes-jobs.yaml), instead of the service at start-up."""

import asyncio

from gateway.access_log import AccessLog
from gateway.config import Settings
from gateway.shared_limits import COLLECTION as USAGE
from gateway.shared_limits import SharedUsage
from gateway.web.sessions import WebSessions
from servicekit.data import Database
from servicekit.mongo import mongo_client
from servicekit.settings import MongoSettings

# Fixed: the services' MongoDB user may write this database only (init-replica-set.sh).
DATABASE = Settings.model_fields["database"].default


async def build_indexes(settings: MongoSettings, database: str = DATABASE) -> None:
    async with mongo_client(settings) as client:
        await AccessLog(client[database]).ensure_indexes()
        store = await Database.open(client[database], settings.engine)
        await WebSessions(store).ensure_indexes()
        await SharedUsage(store.documents(USAGE), {}).ensure_indexes()


if __name__ == "__main__":
    asyncio.run(build_indexes(MongoSettings()))
