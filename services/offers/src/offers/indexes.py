"""`python -m offers.indexes`: builds the service's MongoDB indexes. On Kubernetes, a Job runs it
at each upgrade (deploy/k8s/base/ops/indexes-jobs.yaml), instead of the service at start-up."""

import asyncio

from offers.applications_store import ApplicationStore
from offers.config import Settings
from offers.store import OfferStore
from servicekit.data.database import Database
from servicekit.mongo import mongo_client
from servicekit.settings import MongoSettings

# Fixed: the services' MongoDB user may write this database only (init-replica-set.sh).
DATABASE = Settings.model_fields["database"].default


async def build_indexes(settings: MongoSettings, database: str = DATABASE) -> None:
    async with mongo_client(settings) as client:
        opened = await Database.open(client[database], settings.engine)
        await OfferStore(opened).create_indexes()
        await ApplicationStore(opened).create_indexes()


if __name__ == "__main__":
    asyncio.run(build_indexes(MongoSettings()))
