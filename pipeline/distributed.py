"""Run the same per-document tasks on a Dask distributed cluster.

Workers must see the files at the same paths (a shared or synced filesystem) and the
database is shared (PostgreSQL): the client stores each result as it completes, one
transaction per document, exactly as a local run does.
"""
from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Callable, Iterable, Iterator

from pipeline.run import DocumentResult, process_document, warm_up
from pipeline.workers import DEFAULT_TIMEOUT, failed

log = logging.getLogger(__name__)



def _task(path: str, ocr: bool = False) -> DocumentResult:
    return process_document(Path(path), ocr=ocr)


def process_on_dask(paths: Iterable[Path], scheduler: str, ocr: bool = False, timeout: float = DEFAULT_TIMEOUT,
                    task: Callable[[str, bool], DocumentResult] = _task) -> Iterator[DocumentResult]:
    """Yield a result for every path, in completion order, computed on the cluster.

    As many documents are in flight as the cluster has threads, so each starts when it is
    submitted and `timeout` counts from there; a document past it is failed, and the
    worker running it is restarted by its nanny: a Dask task cannot be stopped, and a
    slow parse kept a cluster worker busy and growing. Every worker loads the stages
    before the clock starts, and again after a restart: a cold worker spends seconds on
    jieba's dictionaries, which are no document's fault."""
    from distributed import Client, wait
    from distributed.client import TimeoutError as DaskTimeout

    with Client(scheduler, set_as_default=False) as client:
        _warm_up(client)
        slots = max(1, sum(client.nthreads().values()))
        it = iter(paths)
        futures: dict = {}  # future -> (path, submitted at)

        def submit() -> None:
            nxt = next(it, None)
            if nxt is not None:
                futures[client.submit(task, str(nxt), ocr, pure=False)] = (nxt, time.monotonic())

        for _ in range(slots):
            submit()
        while futures:
            deadline = min(t for _, t in futures.values()) + timeout
            try:
                with client.as_current():  # wait() asks for the current client
                    done, _ = wait(list(futures), timeout=max(0.05, deadline - time.monotonic()),
                                   return_when="FIRST_COMPLETED")
            except DaskTimeout:
                done = set()
            for f in done:
                path, _ = futures.pop(f)
                try:
                    yield f.result()
                except Exception as e:  # a worker lost or a task that could not run
                    yield failed(Path(path), f"cluster task failed: {type(e).__name__}: {e}")
                submit()
            now = time.monotonic()
            for f, (path, t) in list(futures.items()):
                if now - t >= timeout:
                    del futures[f]
                    _stop_task(client, f)
                    yield failed(Path(path), f"timed out after {timeout:g}s (document processing limit)")
                    resumed = time.monotonic()  # the cluster waited for the restart: no document's time
                    for g, (other, _) in futures.items():
                        futures[g] = (other, resumed)
                    submit()


def _warm_up(client, warm: frozenset[str] = frozenset()) -> None:
    """Load the stages on every worker of the cluster that is not already warm."""
    cold = sorted(set(client.scheduler_info()["workers"]) - warm)
    if cold:
        client.run(warm_up, workers=cold)


def _stop_task(client, future) -> None:
    """Cancel a task and restart the worker that runs it (the only way to stop it), then
    load the stages on the worker that replaced it."""
    running = [w for w, keys in client.processing().items() if future.key in keys]
    future.cancel()
    if running:
        log.warning("restarting cluster worker %s: a document ran past the time limit", running[0])
        warm = frozenset(client.scheduler_info()["workers"]) - set(running)
        try:
            client.restart_workers(running)
        except Exception as e:  # a worker without a nanny cannot be restarted: say so, go on
            log.error("could not restart cluster worker %s (%s): it may stay busy with that document", running[0], e)
            return
        _warm_up(client, warm)
