"""`python -m trainings.indexes`: builds the service's MongoDB indexes. On Kubernetes, a Job runs
it at each upgrade (deploy/k8s/base/ops/indexes-jobs.yaml), instead of the service at start-up."""

import asyncio

from servicekit.data.database import Database
from servicekit.mongo import mongo_client
from servicekit.settings import MongoSettings
from trainings.config import Settings
from trainings.recommendations import RecommendationStore
from trainings.store import SessionStore

# Fixed: the services' MongoDB user may write this database only (init-replica-set.sh).
DATABASE = Settings.model_fields["database"].default


async def build_indexes(settings: MongoSettings, database: str = DATABASE) -> None:
    async with mongo_client(settings) as client:
        opened = await Database.open(client[database], settings.engine)
        await SessionStore(opened).create_indexes()
        await RecommendationStore(opened).create_indexes()


if __name__ == "__main__":
    asyncio.run(build_indexes(MongoSettings()))
