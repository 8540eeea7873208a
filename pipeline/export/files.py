"""Atomic writes of fixed file names inside the output directory.

Exports are read by people and other programs while a run may be writing them, so each
file appears whole or not at all (temp file in the same directory, then os.replace).
Names are ours, never taken from a document, and are checked to stay inside out_dir.
"""
from __future__ import annotations

import os
import re
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def target_path(out_dir: Path, name: str) -> Path:
    """out_dir/name, refusing any name that is not one plain file name of our own."""
    if not SAFE_NAME.fullmatch(name) or name in (".", ".."):
        raise ValueError(f"not an export file name: {name!r}")
    target = out_dir / name
    if target.parent.resolve() != out_dir.resolve():
        raise ValueError(f"export path escapes {out_dir}: {name!r}")
    return target


@contextmanager
def atomic_path(out_dir: Path, name: str) -> Iterator[Path]:
    """Yield a temporary path next to the target; on success it replaces the target
    (os.replace swaps a symlink at the target, never writing through it)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    target = target_path(out_dir, name)
    fd, tmp = tempfile.mkstemp(dir=out_dir, prefix=f".{name}.", suffix=".tmp")
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def write_text(out_dir: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    with atomic_path(out_dir, name) as tmp:
        with open(tmp, "w", encoding=encoding, newline="") as f:
            f.write(text)
    return target_path(out_dir, name)
