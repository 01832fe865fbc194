"""`python -m companies.indexes`: builds the service's MongoDB indexes. On Kubernetes, a Job
runs it at each upgrade (deploy/k8s/base/ops/indexes-jobs.yaml), instead of the service."""

import asyncio

from companies.applications_store import ApplicationStore
from companies.config import Settings
from companies.store import EstablishmentStore
from servicekit.data.database import Database
from servicekit.mongo import mongo_client
from servicekit.settings import MongoSettings

# Fixed: the services' MongoDB user may write this database only (init-replica-set.sh).
DATABASE = Settings.model_fields["database"].default


async def build_indexes(settings: MongoSettings, database: str = DATABASE) -> None:
    async with mongo_client(settings) as client:
        opened = await Database.open(client[database], settings.engine)
        await EstablishmentStore(opened).create_indexes()
        await ApplicationStore(opened).create_indexes()


if __name__ == "__main__":
    asyncio.run(build_indexes(MongoSettings()))
