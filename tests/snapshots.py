"""Markup held to a snapshot taken from the code it replaced: whitespace runs count as one
space. `PORTAL_UPDATE_SNAPSHOTS=1` writes the snapshots again (one tag a line)."""

import os
import re
from pathlib import Path


def matches_snapshot(directory: Path, name: str, markup: str) -> None:
    """Assert `markup` (whitespace already folded) is the snapshot `name` in `directory`."""
    path = directory / f"{name}.html"
    if os.environ.get("PORTAL_UPDATE_SNAPSHOTS"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(markup.replace("> <", ">\n<") + "\n")
    assert markup == re.sub(r"\s+", " ", path.read_text()).strip(), name
