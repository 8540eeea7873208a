"""Nothing is fetched from the network at run time: the whole pipeline and every
export run with sockets refusing to connect."""
from __future__ import annotations

import socket

from conftest import SEEDS
from pipeline.export import write_exports
from pipeline.run import process_document


def test_pipeline_and_exports_never_open_a_connection(tmp_path, monkeypatch):
    attempts = []

    def refuse(self, address, *args, **kwargs):
        attempts.append(address)
        raise OSError("network access attempted during a run")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: refuse(None, a))
    results = [process_document(p) for p in SEEDS]
    assert all(r.ok for r in results)
    records = [p.to_json() for r in results for p in r.provisions]
    write_exports(tmp_path, records, {r.source.name: r.source.text for r in results})
    assert (tmp_path / "report.html").stat().st_size > 0
    assert attempts == []
