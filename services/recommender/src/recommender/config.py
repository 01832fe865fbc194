from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from servicekit.service_settings import ServiceSettings
from servicekit.setting_types import Count, Seconds, Share


class Batches(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RECOMMENDER_BATCH_", extra="ignore")

    profiles: Count = Field(
        default=500, le=5000, description="Profile events (updates, erasures) per batch."
    )
    offers: Count = Field(
        default=100,
        le=1000,
        description=(
            "Offer events (published, closed) per batch. Each offer may change tens of seekers."
        ),
    )
    wait_ms: int = Field(
        default=100, ge=1, le=5000, description="How long a poll waits for a batch to fill."
    )
    slice_s: Seconds = Field(
        default=1.0,
        le=5,
        description=(
            "About how long a part of a batch is computed before its effect is written: a stop "
            "waits at most for the part in hand."
        ),
    )


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="RECOMMENDER_", extra="ignore")

    database: str = Field(default="tremplin_recommender", description="MongoDB database name.")
    group_id: str = Field(default="recommender", description="Kafka consumer group.")
    replica_id: str = Field(
        default="",
        pattern=r"^[A-Za-z0-9_-]*$",
        description=(
            "This replica's stable name (e.g. its pod name in a StatefulSet). Every replica reads "
            "every offer and every erasure in a consumer group of its own, named after it: with "
            "more than one replica, each needs a distinct id. Empty for a single replica."
        ),
    )
    ready_timeout_s: Seconds = Field(
        default=120.0,
        description="How long the start waits for the first partitions of profile-updated.",
    )
    top_k: Count = Field(default=20, le=200, description="Suggestions kept per seeker.")
    min_score: Share = Field(default=0.5, description="Lowest score of a match.")
    strong_score: Share = Field(
        default=0.8, description="From this score on, a match is flagged strong."
    )
    alerts_per_position: float = Field(
        default=5.0, gt=0, description="Seekers an offer may alert per position to fill."
    )
    max_alerts_per_offer: Count = Field(
        default=50, description="Seekers an offer may alert at most, whatever its positions."
    )
    neighbours_top: int = Field(default=3, ge=0, le=20, description="Neighbour occupations kept.")
    neighbours_threshold: Share = Field(
        default=0.05, description="Lowest neighbour score (referential) kept."
    )
    batches: Batches = Field(default_factory=Batches)
