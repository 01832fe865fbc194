"""The local stack's modules live in deploy/local, beside stack.py, outside every package."""

import sys
from pathlib import Path

LOCAL = Path(__file__).resolve().parents[2] / "deploy" / "local"
if str(LOCAL) not in sys.path:
    sys.path.insert(0, str(LOCAL))
