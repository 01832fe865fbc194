"""tremplin: the operator's command line.

Kafka commands read KAFKA_BOOTSTRAP_SERVERS and KAFKA_TOPIC_SUFFIX like the services do; service
URLs default to the local ports and read TREMPLIN_<SERVICE>_URL.
"""

import asyncio
import json
import time
from collections.abc import Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import httpx
import typer
from rich.console import Console
from rich.table import Table

from contracts import (
    ALL_TOPICS,
    DEAD_LETTER,
    OFFER_CLOSED,
    OFFER_PUBLISHED,
    PROFILE_DELETED,
    PROFILE_UPDATED,
)
from opscli import kafka_ops
from opscli.backup_cli import backup_app
from opscli.health import DEFAULT_URLS, services_health
from opscli.importer import ImportFileError, import_records, read_records
from servicekit.auth import InternalAuthSettings
from servicekit.settings import KafkaSettings
from servicekit.terminal_progress import progress_bar

T = TypeVar("T")

app = typer.Typer(
    name="tremplin",
    help="Operate Tremplin: status, demo data, imports, dead letters, replays, backups.",
    no_args_is_help=True,
    add_completion=False,
)
dead_letters_app = typer.Typer(
    help="Inspect and replay the dead-letter topic.", no_args_is_help=True
)
rebuild_app = typer.Typer(help="Rebuild a service's state from the events.", no_args_is_help=True)
app.add_typer(dead_letters_app, name="dead-letters")
app.add_typer(rebuild_app, name="rebuild")
app.add_typer(backup_app, name="backup")

console = Console()
errors = Console(stderr=True, soft_wrap=True)

# The recommender's consumer groups are `<group id>.<topic>`, one per topic it reads.
RECOMMENDER_TOPICS = (PROFILE_UPDATED, PROFILE_DELETED, OFFER_PUBLISHED, OFFER_CLOSED)
EVENT_TOPICS = tuple(topic for topic in ALL_TOPICS if topic != DEAD_LETTER)

BootstrapServers = Annotated[
    str, typer.Option(envvar="KAFKA_BOOTSTRAP_SERVERS", help="Kafka host:port[,host:port].")
]
TopicSuffix = Annotated[
    str,
    typer.Option(envvar="KAFKA_TOPIC_SUFFIX", help="Suffix of every topic name (tests)."),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]


def kafka_settings(bootstrap_servers: str, topic_suffix: str) -> KafkaSettings:
    return KafkaSettings(bootstrap_servers=bootstrap_servers, topic_suffix=topic_suffix)


def run(work: Coroutine[Any, Any, T]) -> T:
    """Run `work`; an error the operator must fix ends the command with its message."""
    try:
        return asyncio.run(work)
    except kafka_ops.KafkaOpsError as error:
        errors.print(f"[red]error:[/] {error}")
        raise typer.Exit(2) from None
    except httpx.RequestError as error:
        errors.print(f"[red]error:[/] no answer from {error.request.url}: {error}")
        raise typer.Exit(2) from None
    except httpx.HTTPError as error:
        errors.print(f"[red]error:[/] {error}")
        raise typer.Exit(2) from None


# Status


@app.command()
def status(
    bootstrap_servers: BootstrapServers = "127.0.0.1:9092",
    topic_suffix: TopicSuffix = "",
    gateway_url: Annotated[str, typer.Option(envvar="TREMPLIN_GATEWAY_URL")] = DEFAULT_URLS[
        "gateway"
    ],
    profiles_url: Annotated[str, typer.Option(envvar="TREMPLIN_PROFILES_URL")] = DEFAULT_URLS[
        "profiles"
    ],
    offers_url: Annotated[str, typer.Option(envvar="TREMPLIN_OFFERS_URL")] = DEFAULT_URLS["offers"],
    recommender_url: Annotated[str, typer.Option(envvar="TREMPLIN_RECOMMENDER_URL")] = DEFAULT_URLS[
        "recommender"
    ],
    notifier_url: Annotated[str, typer.Option(envvar="TREMPLIN_NOTIFIER_URL")] = DEFAULT_URLS[
        "notifier"
    ],
    as_json: AsJson = False,
) -> None:
    """Readiness of each service, consumer lag per group and dead-letter depth (read from Kafka).

    Exits with 1 when a service is not ready or Kafka does not answer.
    """
    urls = {
        "gateway": gateway_url,
        "profiles": profiles_url,
        "offers": offers_url,
        "recommender": recommender_url,
        "notifier": notifier_url,
    }
    settings = kafka_settings(bootstrap_servers, topic_suffix)

    async def gather() -> tuple[Any, ...]:
        health = await services_health(urls)
        try:
            lags = await kafka_ops.consumer_lag(settings)
            depth: int | None = await kafka_ops.dead_letter_depth(settings)
            kafka_error = None
        except kafka_ops.KafkaOpsError as error:
            lags, depth, kafka_error = [], None, str(error)
        return health, lags, depth, kafka_error

    health, lags, depth, kafka_error = run(gather())
    healthy = all(h.ready for h in health) and kafka_error is None
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "services": {
                        h.service: {"url": h.url, "ready": h.ready, "detail": h.detail}
                        for h in health
                    },
                    "kafka": {
                        "bootstrap_servers": settings.bootstrap_servers,
                        "error": kafka_error,
                        "consumer_lag": {
                            g.group: {
                                "lag": g.lag,
                                "topics": list(g.topics),
                                "state": g.state,
                                "members": g.members,
                            }
                            for g in lags
                        },
                        "dead_letter_depth": depth,
                    },
                },
                indent=2,
            )
        )
        raise typer.Exit(0 if healthy else 1)
    services = Table(title="Services", title_justify="left")
    for column in ("service", "url", "ready", "checks", "latency"):
        services.add_column(column)
    for h in health:
        services.add_row(
            h.service,
            h.url,
            "[green]ready[/]" if h.ready else "[red]not ready[/]",
            h.detail,
            f"{h.latency_ms:.0f} ms" if h.latency_ms is not None else "-",
        )
    console.print(services)
    if kafka_error is not None:
        console.print(f"[red]Kafka:[/] {kafka_error}")
        raise typer.Exit(1)
    groups = Table(
        title=f"Consumer groups (Kafka {settings.bootstrap_servers})", title_justify="left"
    )
    for column in ("group", "topics", "state", "members", "lag"):
        groups.add_column(column, justify="right" if column in ("members", "lag") else "left")
    for g in lags:
        groups.add_row(
            g.group,
            ", ".join(g.topics),
            g.state,
            str(g.members),
            f"[yellow]{g.lag}[/]" if g.lag else "0",
        )
    console.print(groups)
    if not lags:
        console.print("No consumer group has committed offsets on Tremplin's topics yet.")
    colour = "red" if depth else "green"
    console.print(f"Dead letters: [{colour}]{depth}[/] (`tremplin dead-letters list`)")
    raise typer.Exit(0 if healthy else 1)


# Demo data and imports


@app.command()
def seed(
    seekers: Annotated[int, typer.Option(min=0, max=1_000_000, help="Seekers to create.")] = 200,
    offers: Annotated[int, typer.Option(min=0, max=100_000, help="Offers to import.")] = 300,
    seed: Annotated[int, typer.Option(help="Same seed, same data.")] = 42,
    profiles_url: Annotated[str, typer.Option(envvar="TREMPLIN_PROFILES_URL")] = DEFAULT_URLS[
        "profiles"
    ],
    offers_url: Annotated[str, typer.Option(envvar="TREMPLIN_OFFERS_URL")] = DEFAULT_URLS["offers"],
) -> None:
    """Seed the running platform with deterministic demo seekers and offers (idempotent)."""
    from demo.seed import seed_offers, seed_seekers

    started = time.monotonic()
    failed = run(seed_seekers(profiles_url, seekers, seed)) if seekers else 0
    rejected = run(seed_offers(offers_url, offers, seed)) if offers else 0
    console.print(
        f"{seekers - failed} seekers and {offers - rejected} offers seeded in "
        f"{time.monotonic() - started:.1f} s ({failed} seekers failed, {rejected} offers rejected)"
    )
    raise typer.Exit(1 if failed or rejected else 0)


@app.command("import")
def import_file(
    file: Annotated[
        Path,
        typer.Argument(exists=True, dir_okay=False, help="JSON array or JSON-lines file."),
    ],
    batch_size: Annotated[int, typer.Option(min=1, max=10_000, help="Records per request.")] = 1000,
    offers_url: Annotated[str, typer.Option(envvar="TREMPLIN_OFFERS_URL")] = DEFAULT_URLS["offers"],
    timeout_s: Annotated[float, typer.Option(min=1, help="Timeout of one request.")] = 120.0,
) -> None:
    """Import France Travail offers (Offres d'emploi v2 records) into the offers service.

    Rejected records are listed with their position in the file (from 0), the field at fault and
    why; importing the same file again changes nothing. Exits with 1 when some were rejected.
    """
    try:
        records = read_records(file)
    except ImportFileError as error:
        errors.print(f"[red]error:[/] {error}")
        raise typer.Exit(2) from None

    async def work() -> Any:
        async with httpx.AsyncClient(base_url=offers_url, timeout=timeout_s) as client:
            with progress_bar(console) as progress:
                task = progress.add_task("importing", total=len(records))
                return await import_records(
                    records,
                    client,
                    batch_size,
                    InternalAuthSettings(),
                    on_batch=lambda done: progress.advance(task, done),
                )

    totals = run(work())
    for rejected in totals.rejected[:50]:
        console.print(
            f"[red]rejected[/] #{rejected['index']} ({rejected.get('id') or 'no id'}): "
            f"{rejected['field']}: {rejected['reason']}"
        )
    if len(totals.rejected) > 50:
        console.print(f"... and {len(totals.rejected) - 50} more rejected records")
    console.print(
        f"{len(records)} records: {totals.accepted} new, {totals.updated} updated, "
        f"{totals.unchanged} unchanged, {len(totals.rejected)} rejected"
    )
    raise typer.Exit(1 if totals.rejected else 0)


# Dead letters


def _when(timestamp_ms: int) -> str:
    return datetime.fromtimestamp(timestamp_ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")


@dead_letters_app.command("list")
def list_dead_letters(
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="Newest dead letters shown.")] = 20,
    bootstrap_servers: BootstrapServers = "127.0.0.1:9092",
    topic_suffix: TopicSuffix = "",
    as_json: AsJson = False,
) -> None:
    """The newest dead letters: where they came from, who failed on them and why."""
    settings = kafka_settings(bootstrap_servers, topic_suffix)
    letters = run(kafka_ops.list_dead_letters(settings, limit))
    if as_json:
        typer.echo(
            json.dumps(
                [
                    {
                        "partition": d.partition,
                        "offset": d.offset,
                        "timestamp_ms": d.timestamp_ms,
                        "key": d.key,
                        "size": d.size,
                        "original_topic": d.original_topic,
                        "original_partition": d.original_partition,
                        "original_offset": d.original_offset,
                        "kind": d.kind,
                        "reason": d.reason,
                        "failed_by": d.failed_by,
                        "failed_at": d.failed_at,
                    }
                    for d in letters
                ],
                indent=2,
            )
        )
        return
    table = Table(title=f"Dead letters (newest {limit})", title_justify="left")
    for column in ("at", "dead letter", "original", "key", "kind", "failed by", "reason"):
        table.add_column(column, overflow="fold")
    for d in letters:
        table.add_row(
            _when(d.timestamp_ms),
            f"{d.partition}:{d.offset}",
            f"{d.original_topic}:{d.original_partition}:{d.original_offset}",
            d.key or "-",
            d.kind or "-",
            d.failed_by or "-",
            d.reason or "-",
        )
    console.print(table)
    if not letters:
        console.print("No dead letters.")


@dead_letters_app.command("replay")
def replay_dead_letters(
    topic: Annotated[
        str | None,
        typer.Option(help="Replay only the dead letters of this original topic (base name)."),
    ] = None,
    since_offset: Annotated[
        int,
        typer.Option(
            min=0,
            help="Start at this dead-letter offset in every partition; "
            "earlier dead letters are passed over for good.",
        ),
    ] = 0,
    batch_size: Annotated[int, typer.Option(min=1, max=10_000)] = 500,
    bootstrap_servers: BootstrapServers = "127.0.0.1:9092",
    topic_suffix: TopicSuffix = "",
) -> None:
    """Republish dead letters to their original topic, each once.

    Value, key and original headers go back unchanged (without the x-dead-letter-*, x-original-*
    and x-failed-* headers, with x-replayed-from). How far the replay went is committed by the
    consumer group `tremplin-replay` (or `tremplin-replay.<topic>` with --topic) after each batch:
    a second run replays nothing. Fix the cause first, or the messages come straight back.
    """
    if topic is not None and topic not in EVENT_TOPICS:
        errors.print(f"[red]error:[/] --topic must be one of {', '.join(EVENT_TOPICS)}")
        raise typer.Exit(2)
    settings = kafka_settings(bootstrap_servers, topic_suffix)
    with progress_bar(console) as progress:
        task = progress.add_task("replaying", total=None)
        report = run(
            kafka_ops.replay_dead_letters(
                settings,
                only_topic=topic,
                since_offset=since_offset,
                batch_size=batch_size,
                on_plan=lambda total: progress.update(task, total=total),
                on_batch=lambda done: progress.advance(task, done),
            )
        )
    by_topic = ", ".join(f"{t}: {n}" for t, n in sorted(report.by_topic.items()))
    console.print(
        f"{report.replayed} dead letters replayed" + (f" ({by_topic})" if by_topic else "")
    )
    if report.already_replayed:
        console.print(f"{report.already_replayed} were replayed before (skipped)")
    if report.other_topics:
        console.print(f"{report.other_topics} of other topics left for later")
    if report.unreplayable:
        console.print(f"[yellow]{report.unreplayable} without an original topic (skipped)[/]")


# Rebuilds


@rebuild_app.command("recommender")
def rebuild_recommender(
    yes: Annotated[
        bool, typer.Option("--yes", help="Do it (without it, only say what would be done).")
    ] = False,
    group_id: Annotated[
        str, typer.Option(envvar="RECOMMENDER_GROUP_ID", help="The recommender's group id.")
    ] = "recommender",
    bootstrap_servers: BootstrapServers = "127.0.0.1:9092",
    topic_suffix: TopicSuffix = "",
) -> None:
    """Make the recommender read its topics again from the earliest retained event.

    The recommender has no replay of its own: this moves the committed offsets of its consumer
    groups back to the earliest offsets, so that it re-reads every retained profile and offer
    event when it starts. Stop the recommender first (the command refuses while its consumers
    run). Events already applied are ignored (versions); only events still retained by Kafka
    (7 days by default) are read again.
    """
    settings = kafka_settings(bootstrap_servers, topic_suffix)
    groups = {f"{group_id}.{topic}": topic for topic in RECOMMENDER_TOPICS}
    resets = run(kafka_ops.plan_reset(settings, groups))
    table = Table(title="Recommender consumer groups", title_justify="left")
    for column in ("group", "topic"):
        table.add_column(column, no_wrap=True)
    for column in ("committed", "earliest", "events to re-read"):
        table.add_column(column, overflow="fold")
    for reset in resets:
        table.add_row(
            reset.group,
            reset.topic,
            " ".join(f"{p}:{'-' if o is None else o}" for p, o in sorted(reset.committed.items())),
            " ".join(f"{p}:{o}" for p, o in sorted(reset.earliest.items())),
            str(reset.events_to_replay),
        )
    console.print(table)
    if not yes:
        console.print(
            "[yellow]Nothing done.[/] This resets the recommender's offsets to the earliest "
            "retained events: with the recommender stopped, run again with --yes."
        )
        raise typer.Exit(1)
    run(kafka_ops.reset_to_earliest(settings, resets))
    total = sum(r.events_to_replay for r in resets)
    console.print(
        f"[green]Done.[/] Offsets reset; the recommender re-reads {total} events when it starts."
    )


def main() -> None:
    app()
