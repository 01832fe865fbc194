"""tremplin backup: dump and restore the services' databases, then move the consumers back.

The local counterpart of the `mongodb-backup` CronJob and the restore Job (docs/operations.md,
"Backups and restore"): the same directory layout as mongodump's, read by mongorestore too.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from pymongo.errors import PyMongoError
from rich.console import Console
from rich.table import Table

from opscli import group_rewind
from opscli.kafka_ops import KafkaOpsError
from servicekit import backup
from servicekit.mongo import mongo_client
from servicekit.settings import KafkaSettings, MongoSettings

T = TypeVar("T")
MANIFEST = "tremplin-backup.json"

backup_app = typer.Typer(
    help="Dump and restore the services' databases; move the consumer groups back to the dump.",
    no_args_is_help=True,
)
console = Console()
errors = Console(stderr=True, soft_wrap=True)

MongoUrl = Annotated[str, typer.Option(envvar="MONGO_URL", help="MongoDB connection string.")]
BootstrapServers = Annotated[
    str, typer.Option(envvar="KAFKA_BOOTSTRAP_SERVERS", help="Kafka host:port[,host:port].")
]
TopicSuffix = Annotated[
    str, typer.Option(envvar="KAFKA_TOPIC_SUFFIX", help="Suffix of every topic name (tests).")
]
Yes = Annotated[
    bool, typer.Option("--yes", help="Do it (without it, only say what would be done).")
]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


def run(work: Coroutine[Any, Any, T]) -> T:
    try:
        return asyncio.run(work)
    except KafkaOpsError as error:
        errors.print(f"[red]error:[/] {error}")
        raise typer.Exit(2) from None
    except PyMongoError as error:
        errors.print(f"[red]error:[/] MongoDB: {error}")
        raise typer.Exit(2) from None


def figures(report: backup.Report) -> dict[str, Any]:
    return {
        "databases": report.by_database(),
        "collections": len(report.collections),
        "documents": report.documents,
        "bytes": report.bytes,
        "indexes": sum(c.indexes for c in report.collections),
        "seconds": round(report.seconds, 2),
    }


def read_manifest(directory: Path) -> dict[str, Any]:
    path = directory / MANIFEST
    if not path.exists():
        errors.print(f"[red]error:[/] {path} not found: not a dump of `tremplin backup dump`")
        raise typer.Exit(2)
    manifest: dict[str, Any] = json.loads(path.read_text())
    return manifest


@backup_app.command("dump")
def dump(
    directory: Annotated[
        Path, typer.Argument(help="Where the dump goes (created; must be empty).")
    ],
    prefix: Annotated[str, typer.Option(help="Databases whose name starts so.")] = "tremplin_",
    gzip: Annotated[
        bool, typer.Option("--gzip", help="Gzip each file, as mongodump --gzip.")
    ] = False,
    mongo_url: MongoUrl = "mongodb://127.0.0.1:27017/",
    bootstrap_servers: BootstrapServers = "127.0.0.1:9092",
    topic_suffix: TopicSuffix = "",
    as_json: AsJson = False,
) -> None:
    """Dump every database of the platform, and the consumer groups' offsets at its start.

    The start is the dump's moment T: collections are read one after the other, each as it is
    then (there is no oplog on every engine), so a restore gives back at least what was there
    at T, and `tremplin backup rewind --from DIR` makes the consumers apply what came after.
    """
    if directory.exists() and any(directory.iterdir()):
        errors.print(f"[red]error:[/] {directory} is not empty: choose a new directory")
        raise typer.Exit(2)
    directory.mkdir(parents=True, exist_ok=True)
    kafka = KafkaSettings(bootstrap_servers=bootstrap_servers, topic_suffix=topic_suffix)

    async def work() -> tuple[datetime, group_rewind.Positions, backup.Report]:
        moment = datetime.now(UTC)
        positions = await group_rewind.group_positions(kafka)
        async with mongo_client(MongoSettings(url=mongo_url)) as client:
            report = await backup.dump(client, directory, prefix=prefix, compressed=gzip)
        return moment, positions, report

    moment, positions, report = run(work())
    manifest = {
        "moment": moment.isoformat(),
        "finished_at": report.finished_at.isoformat() if report.finished_at else None,
        **figures(report),
        "consumer_offsets": positions,
    }
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    if as_json:
        typer.echo(json.dumps({k: v for k, v in manifest.items() if k != "consumer_offsets"}))
        return
    console.print(
        f"{report.documents} documents of {len(report.databases)} databases "
        f"({report.bytes / 1e6:.1f} MB) dumped into {directory} in {report.seconds:.1f} s; "
        f"T = {moment.isoformat()}; offsets of {len(positions)} consumer groups recorded"
    )


@backup_app.command("restore")
def restore(
    directory: Annotated[Path, typer.Argument(exists=True, file_okay=False, help="A dump.")],
    yes: Yes = False,
    mongo_url: MongoUrl = "mongodb://127.0.0.1:27017/",
    as_json: AsJson = False,
) -> None:
    """Put a dump back, as `mongorestore --drop` does.

    Each collection of the dump replaces the one of its name, indexes included. Stop every
    service first; then `tremplin backup rewind`.
    """
    found = backup.dumped_collections(directory)
    if not found:
        errors.print(f"[red]error:[/] no collection in {directory}")
        raise typer.Exit(2)
    if not yes:
        databases = sorted({database for database, _, _ in found})
        console.print(
            f"[yellow]Nothing done.[/] This replaces {len(found)} collections of "
            f"{', '.join(databases)} with the dump's: with every service stopped, run again "
            "with --yes."
        )
        raise typer.Exit(1)

    async def work() -> backup.Report:
        async with mongo_client(MongoSettings(url=mongo_url)) as client:
            return await backup.restore(client, directory)

    report = run(work())
    if as_json:
        typer.echo(json.dumps(figures(report)))
        return
    console.print(
        f"{report.documents} documents in {len(report.collections)} collections of "
        f"{len(report.databases)} databases restored in {report.seconds:.1f} s"
    )


@backup_app.command("rewind")
def rewind(
    source: Annotated[
        Path | None,
        typer.Option("--from", help="The dump: its moment T and the offsets it recorded."),
    ] = None,
    to: Annotated[
        datetime | None,
        typer.Option(help="T without a dump of this tool (UTC unless an offset is given)."),
    ] = None,
    yes: Yes = False,
    bootstrap_servers: BootstrapServers = "127.0.0.1:9092",
    topic_suffix: TopicSuffix = "",
    as_json: AsJson = False,
) -> None:
    """Move every consumer group on Tremplin's topics back to T, after a restore to T.

    Each group goes to the offset it had committed when the dump started, or else to the first
    event after T; never forward. The services then apply every event after T again; what they
    had applied already they ignore (event ids, versions). Stop the services first.
    """
    if (source is None) == (to is None):
        errors.print("[red]error:[/] give either --from DIR or --to DATETIME")
        raise typer.Exit(2)
    recorded: group_rewind.Positions = {}
    if source is not None:
        manifest = read_manifest(source)
        moment = datetime.fromisoformat(manifest["moment"])
        recorded = manifest.get("consumer_offsets", {})
    else:
        assert to is not None
        moment = to if to.tzinfo else to.replace(tzinfo=UTC)
    kafka = KafkaSettings(bootstrap_servers=bootstrap_servers, topic_suffix=topic_suffix)
    plan = run(group_rewind.plan_rewind(kafka, moment, recorded))
    total = sum(step.events_to_replay for step in plan)
    groups = sorted({step.group for step in plan})
    if yes:
        run(group_rewind.rewind(kafka, plan))
    if as_json:
        typer.echo(
            json.dumps(
                {"moment": moment.isoformat(), "groups": len(groups), "events": total, "done": yes}
            )
        )
        raise typer.Exit(0 if yes else 1)
    table = Table(title=f"Consumer groups back to {moment.isoformat()}", title_justify="left")
    for column in ("group", "partition", "committed", "back to", "events to re-read"):
        table.add_column(column, justify="left" if column in ("group", "partition") else "right")
    for step in plan:
        if step.events_to_replay:
            table.add_row(
                step.group,
                group_rewind.key_of(step.partition),
                str(step.committed),
                str(step.target),
                str(step.events_to_replay),
            )
    console.print(table)
    if not yes:
        console.print(
            f"[yellow]Nothing done.[/] {len(groups)} groups would re-read {total} events: "
            "with the services stopped, run again with --yes."
        )
        raise typer.Exit(1)
    console.print(f"[green]Done.[/] {len(groups)} groups re-read {total} events when they start.")
