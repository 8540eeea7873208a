"""Run the same per-document tasks on a Dask distributed cluster.

Workers must see the files at the same paths (a shared or synced filesystem) and the
database is shared (PostgreSQL): the client stores each result as it completes, one
transaction per document, exactly as a local run does.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable, Iterator

from pipeline.run import DocumentResult, process_document
from pipeline.workers import failed

BATCH = 256  # tasks in flight at once: the client never holds the whole corpus


def _task(path: str, ocr: bool = False) -> DocumentResult:
    return process_document(Path(path), ocr=ocr)


def process_on_dask(paths: Iterable[Path], scheduler: str, ocr: bool = False) -> Iterator[DocumentResult]:
    """Yield a result for every path, in completion order, computed on the cluster."""
    from distributed import Client, as_completed

    with Client(scheduler, set_as_default=False) as client:
        it = iter(paths)
        futures = {}
        for path in it:
            futures[client.submit(_task, str(path), ocr, pure=False)] = path
            if len(futures) >= BATCH:
                break
        if not futures:
            return
        ac = as_completed(list(futures), loop=client.loop)
        for f in ac:
            path = futures.pop(f)
            try:
                yield f.result()
            except Exception as e:  # a worker lost or a task that could not run
                yield failed(Path(path), f"cluster task failed: {type(e).__name__}: {e}")
            nxt = next(it, None)
            if nxt is not None:
                nf = client.submit(_task, str(nxt), ocr, pure=False)
                futures[nf] = nxt
                ac.add(nf)
