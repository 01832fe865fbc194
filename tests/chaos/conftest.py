"""The harness lives in deploy/local, beside stack.py, outside every package: on the path."""

import sys
from pathlib import Path

HARNESS = Path(__file__).resolve().parents[2] / "deploy" / "local"
if str(HARNESS) not in sys.path:
    sys.path.insert(0, str(HARNESS))
