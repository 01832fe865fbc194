"""The progress bar the command-line tools (operator CLI, rebuild, demo seeder) draw."""

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn


def progress_bar(console: Console | None = None) -> Progress:
    """Description, bar, done of total and time left; on `console`, else rich's global console."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
    )
