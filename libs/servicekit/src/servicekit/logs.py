"""Structured JSON logs on standard output, one object per line."""

import logging
import sys

from pythonjsonlogger.json import JsonFormatter

from servicekit.tracing import correlation

_configured = False


class CorrelationFilter(logging.Filter):
    """Puts the current trace_id, span_id and request_id on every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in correlation().items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


def configure_logging(service: str, level: str = "INFO") -> None:
    global _configured
    if _configured:
        return
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        JsonFormatter(
            "{asctime}{levelname}{name}{message}",
            style="{",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            static_fields={"service": service},
        )
    )
    handler.addFilter(CorrelationFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("aiokafka", "pymongo", "uvicorn.access", "httpx"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    _configured = True
