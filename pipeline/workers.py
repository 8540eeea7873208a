"""Process documents in worker processes: parallel, time-limited, memory-bounded.

Each document runs in a child process so that a parser that loops or a file that
explodes in memory costs only that document: past the time limit the worker is
killed and replaced, and the document is reported failed. Workers are recycled
after a number of documents so memory stays flat over long corpora. Results come
back in completion order: a task that stored its document itself (pipeline.corpus.
ReadAndStore) sends back only its figures; otherwise the caller stores each result as
it arrives.
"""
from __future__ import annotations

import gc
import logging
import multiprocessing as mp
import os
import pickle
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Callable, Iterable, Iterator

from pipeline.ingest import FORMATS
from pipeline.run import DocumentResult, process_document, warm_up

DEFAULT_TIMEOUT = 120.0
RECYCLE_AFTER = 200  # documents per worker before it is replaced
PR_SET_PDEATHSIG = 1  # linux/prctl.h
PIPE_BYTES = 60_000  # a result larger than this goes through a file (a pipe buffers 64 KB)
WORKERS_PER_CPU = 4  # past this, more processes only wait for the same cores

log = logging.getLogger(__name__)


def _die_with_parent(parent_pid: int) -> None:
    """A worker must not outlive the run that started it: killed with -9 the run leaves
    no chance to stop it, and a worker on a slow PDF kept growing. On Linux the kernel
    sends SIGKILL when the parent dies (PR_SET_PDEATHSIG); the parent may have died just
    before, so that is checked once more."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            log.debug("prctl(PR_SET_PDEATHSIG) is not available")
    if os.getppid() != parent_pid:
        os._exit(1)


def _worker(conn: Connection, task: Callable[[Path], DocumentResult], parent_pid: int, spill: str) -> None:
    _die_with_parent(parent_pid)
    while True:
        path = conn.recv()
        if path is None:
            return
        data = pickle.dumps(task(Path(path)), protocol=pickle.HIGHEST_PROTOCOL)
        if len(data) > PIPE_BYTES:
            # a pipe holds 64 KB: a larger result would block this worker until the
            # parent had stored the one before, so the two never worked at once
            with tempfile.NamedTemporaryFile(dir=spill, delete=False) as f:
                f.write(data)
            conn.send(_Spilled(f.name))
        else:
            conn.send_bytes(data)


@dataclass
class _Spilled:
    """A result written to the run's spill folder instead of the pipe."""

    file: str

    def load(self) -> DocumentResult:
        try:
            with open(self.file, "rb") as f:
                return pickle.load(f)
        finally:
            os.unlink(self.file)


@dataclass
class _Slot:
    process: mp.Process
    conn: Connection
    path: Path | None = None
    started: float = 0.0
    done: int = 0


def _context():
    methods = mp.get_all_start_methods()
    return mp.get_context("fork" if "fork" in methods else "spawn")


def _start(ctx, task, spill: str) -> _Slot:
    parent, child = ctx.Pipe()
    p = ctx.Process(target=_worker, args=(child, task, os.getpid(), spill), daemon=True)
    # what a worker inherits (jieba's dictionary, spaCy, the language data) is never its
    # garbage: frozen out of its collector, whose passes over it wrote to every shared
    # page (copy-on-write) and made a document 40% slower than in one process
    gc.freeze()
    try:
        p.start()
    finally:
        gc.unfreeze()  # the parent collects as before
    child.close()
    return _Slot(p, parent)


def _stop(slot: _Slot, kill: bool = False) -> None:
    try:
        if not kill:
            slot.conn.send(None)
            slot.process.join(5)
    except (OSError, BrokenPipeError):
        pass
    if slot.process.is_alive():
        slot.process.kill()
        slot.process.join(5)
    slot.conn.close()


def failed(path: Path, reason: str) -> DocumentResult:
    return DocumentResult(path=str(path), format=FORMATS.get(path.suffix.lower()), sha256="", error=reason)


def worker_count(asked: int, documents: int) -> int:
    """The processes to start: no more than the documents, nor than WORKERS_PER_CPU a
    CPU (more only contend for the same cores and memory: --workers 100000 forked
    thousands of processes and took 10 GB before a document was read)."""
    cap = WORKERS_PER_CPU * (os.cpu_count() or 1)
    if asked > cap:
        log.warning("--workers %d is more than %d per CPU: starting %d", asked, WORKERS_PER_CPU, cap)
    return max(1, min(asked, cap, documents))


def process_many(paths: Iterable[Path], workers: int = 1, timeout: float = DEFAULT_TIMEOUT,
                 task: Callable[[Path], DocumentResult] = process_document) -> Iterator[DocumentResult]:
    """Yield a result for every path, in completion order."""
    paths = list(paths)
    if not paths:
        return  # a re-run of unchanged files loads nothing and starts no worker
    warm_up()  # what the stages load on first use is loaded once here, shared by forked workers
    ctx = _context()
    pending = iter(paths)
    spill = tempfile.mkdtemp(prefix="policyx-results-")
    slots = [_start(ctx, task, spill) for _ in range(worker_count(workers, len(paths)))]
    exhausted = False

    def dispatch(i: int) -> None:
        """Give an idle worker its next document (a fresh worker after RECYCLE_AFTER)."""
        nonlocal exhausted
        slot = slots[i]
        if slot.path is not None or exhausted:
            return
        if slot.done >= RECYCLE_AFTER:
            _stop(slot)
            slots[i] = slot = _start(ctx, task, spill)
        nxt = next(pending, None)
        if nxt is None:
            exhausted = True
            return
        slot.path, slot.started = Path(nxt), time.monotonic()
        slot.conn.send(str(slot.path))

    try:
        for i in range(len(slots)):
            dispatch(i)
        while True:
            busy = [s for s in slots if s.path is not None]
            if not busy:
                return
            deadline = min(s.started for s in busy) + timeout
            ready = wait([s.conn for s in busy], timeout=max(0.0, deadline - time.monotonic()))
            now = time.monotonic()
            for i, slot in enumerate(slots):
                if slot.path is None:
                    continue
                if slot.conn in ready:
                    try:
                        result = slot.conn.recv()
                    except (EOFError, OSError):
                        result = failed(slot.path, f"worker died while processing (exit code {slot.process.exitcode})")
                        _stop(slot, kill=True)
                        slots[i] = _start(ctx, task, spill)
                    else:
                        slot.path, slot.done = None, slot.done + 1
                    dispatch(i)  # the worker goes on while the caller stores this result
                    yield result.load() if isinstance(result, _Spilled) else result
                elif now - slot.started >= timeout:
                    path = slot.path
                    _stop(slot, kill=True)
                    slots[i] = _start(ctx, task, spill)
                    dispatch(i)
                    yield failed(path, f"timed out after {timeout:g}s (document processing limit)")
    finally:
        for slot in slots:
            _stop(slot, kill=slot.path is not None)
        shutil.rmtree(spill, ignore_errors=True)
