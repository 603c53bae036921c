"""A snapshot of HEAD's code (``git archive`` of xtbatch, bridge, tasks and beat) under
/tmp/xtbatch-bench-src/<commit>, so that figures belong to a commit and colleagues' unsaved
edits in the working tree cannot change or break a run. Standard library only: the harness
imports it before anything of xtbatch."""

from __future__ import annotations

import subprocess
from pathlib import Path


def snapshot(root: Path) -> tuple[str, Path]:
    """(HEAD's abbreviated commit, the folder holding its code), extracted once per commit."""
    sha = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "HEAD"], check=True, capture_output=True, text=True
    ).stdout.strip()[:12]
    folder = Path(f"/tmp/xtbatch-bench-src/{sha}")
    if not (folder / "xtbatch").is_dir():
        folder.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(
            ["git", "-C", str(root), "archive", sha, "xtbatch", "bridge", "tasks", "beat"],
            check=True,
            capture_output=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return sha, folder
