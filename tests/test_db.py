"""The rule database on SQLite and on a real PostgreSQL server: the migrated schema
equals the models, storing is idempotent and versioned, a failure never costs a good
version, a new version replaces the old in one transaction, concurrent runs are safe,
and both backends export byte-identical rules.jsonl."""
from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.exc import IntegrityError

from conftest import ROOT, SEEDS, seed
from db_fixtures import db_url, postgres_server  # noqa: F401  (fixtures)
from models.db import (MIGRATIONS, Base, Document, Jurisdiction, LegacyDatabase, Part, ProvisionRow, Run,
                       SectionRow, alembic_config, dispose_engine, get_engine, session_factory)
from models.records import Jurisdiction as JurisdictionRecord
from pipeline.run import process_document
from pipeline.store import find_current, is_unchanged, jurisdiction_row, provisions_of, save_result


def count(s, model, *where) -> int:
    return s.scalar(select(func.count()).select_from(model).where(*where))


def policyx(*args, cwd=ROOT, **kw):
    return subprocess.Popen([sys.executable, "-m", "pipeline.cli", *map(str, args)], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def run_policyx(*args) -> subprocess.CompletedProcess:
    p = policyx(*args)
    out, err = p.communicate(timeout=600)
    return subprocess.CompletedProcess(p.args, p.returncode, out, err)


def store(url: str, path: Path):
    """Process and store one file in its own transaction, as the corpus loop does."""
    result = process_document(path)
    with session_factory(url).begin() as s:
        doc = save_result(s, result)
        return result, doc.id


# --- schema -------------------------------------------------------------------

def test_migrated_schema_equals_models(db_url):
    """`alembic upgrade head` on an empty database gives exactly the models' schema."""
    from alembic import command
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    command.upgrade(alembic_config(db_url), "head")  # env.py's own connection, as the CLI does
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(ctx, Base.metadata) == []
            head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
            assert ctx.get_current_revision() == head
            names = set(inspect(conn).get_table_names())
        assert {"runs", "documents", "sections", "parts", "provisions", "jurisdictions"} <= names
        command.downgrade(alembic_config(db_url), "base")
        with engine.connect() as conn:
            assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()


def test_engine_factory_upgrades_to_head(db_url):
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    engine = get_engine(db_url)
    assert get_engine(db_url) is engine  # once per URL per process
    with engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == \
            ScriptDirectory(str(MIGRATIONS)).get_current_head()
        idx = {i["name"]: i for i in inspect(conn).get_indexes("provisions")}
        assert {"ix_provisions_kind", "ix_provisions_indicator", "ix_provisions_jurisdiction",
                "ix_provisions_jurisdiction_id"} <= set(idx)
        if conn.dialect.name == "sqlite":
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_database_made_before_migrations_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_engine(url)
    Base.metadata.create_all(engine)  # what policyx did before it had migrations
    engine.dispose()
    with pytest.raises(LegacyDatabase, match="before migrations"):
        get_engine(url)
    dispose_engine(url)


def test_migrations_are_package_data():
    import tomllib

    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = data["tool"]["setuptools"]["package-data"]["models"]
    shipped = {p.relative_to(MIGRATIONS.parent).as_posix() for p in MIGRATIONS.rglob("*")
               if p.is_file() and "__pycache__" not in p.parts}
    import fnmatch

    assert shipped and all(any(fnmatch.fnmatch(f, pat) for pat in patterns) for f in shipped), shipped


def _v1(record: dict) -> dict:
    """The record as contract v1 wrote it: without the fields v2 (and migration 0003) added."""
    added = {"threshold": ("currency",), "sanction": ("cites", "base", "currency")}.get(record["kind"], ())
    added += ("jurisdiction_code", "jurisdiction_level", "policy_area")
    return {k: v for k, v in record.items() if k not in added}


def test_database_at_0001_upgrades_in_place(db_url):
    """A database of the first schema, holding provisions, opened by this policyx: the
    rows stay, the v2 columns appear, and each stored record becomes exactly the v2
    record (new fields null, in v2's order), so old and new rows export alike."""
    from sqlalchemy import MetaData, insert

    from models.db import _make_engine, upgrade
    from models.records import Provision
    from pipeline.store import _provision_values

    common = dict(doc="x.txt", section="第五章 > 第二十条", jurisdiction="X市", subject=None, approx=False,
                  confidence=0.9)  # jurisdiction_code, _level and policy_area: null, as 0003 leaves them
    provisions = [
        Provision(kind="sanction", span=(10, 31), quote="处二百元以上一千元以下罚款", sentence="处二百元以上一千元以下罚款",
                  indicator="携犬出户未束犬链·罚款", sanction="fine", polarity="negative", condition="携犬出户未束犬链",
                  op="range", value=200.0, value_max=1000.0, unit="元", **common),
        Provision(kind="threshold", span=(40, 45), quote="不少于6次", sentence="每年不少于6次", indicator="会议次数",
                  op=">=", value=6.0, unit="次", per="year", **common),
        Provision(kind="ratio", span=(50, 56), quote="不超过30%", sentence="不超过30%", indicator="比例", op="<=",
                  value=30.0, unit="%", base="总数", **common),
    ]
    v1 = [_v1(p.to_json()) for p in provisions]
    assert "cites" not in v1[0] and "currency" not in v1[1] and "base" in v1[2]

    engine = _make_engine(db_url)
    try:
        upgrade(engine, "0001")
        with engine.begin() as conn:
            old = MetaData()
            old.reflect(conn)
            assert not {"cites", "currency"} & set(old.tables["provisions"].c.keys())
            doc_id = conn.execute(insert(old.tables["documents"]).values(
                path="/x.txt", name="x.txt", sha256="abc", status="ok", current=True,
                created_at=datetime.now(timezone.utc)).returning(old.tables["documents"].c.id)).scalar_one()
            for p, record in zip(provisions, v1):
                conn.execute(insert(old.tables["provisions"]).values(
                    document_id=doc_id, doc=p.doc, kind=p.kind, span_start=p.span[0], span_end=p.span[1],
                    quote=p.quote, sentence=p.sentence, approx=False, confidence=p.confidence, sanction=p.sanction,
                    condition=p.condition, record=record))
    finally:
        engine.dispose()

    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    S = session_factory(db_url)  # opened normally: brought to head
    with S() as s:
        conn = s.connection()
        assert MigrationContext.configure(conn).get_current_revision() == \
            ScriptDirectory(str(MIGRATIONS)).get_current_head()
        columns = {c["name"]: c for c in inspect(conn).get_columns("provisions")}
        assert columns["cites"]["nullable"] and columns["currency"]["nullable"]
        rows = s.scalars(select(ProvisionRow).order_by(ProvisionRow.id)).all()
        assert [(r.kind, r.quote, r.condition) for r in rows] == [(p.kind, p.quote, p.condition) for p in provisions]
        assert all(r.cites is None and r.currency is None for r in rows)
        for row, p in zip(rows, provisions):
            assert list(row.record.items()) == list(p.to_json().items())  # same fields, same order
        assert provisions_of(s, [doc_id]) == [p.to_json() for p in provisions]
    # and new rows carry the v2 fields in their columns
    cited = Provision(**{**provisions[0].__dict__, "span": (60, 81), "cites": "第十四条 > 第二款", "currency": "CNY"})
    with S.begin() as s:
        s.execute(insert(ProvisionRow), [{**_provision_values(cited), "document_id": doc_id}])
    with S() as s:
        row = s.scalars(select(ProvisionRow).where(ProvisionRow.span_start == 60)).one()
        assert (row.cites, row.currency) == ("第十四条 > 第二款", "CNY")
        assert row.record == cited.to_json() and row.record["cites"] == "第十四条 > 第二款"


def test_one_current_version_per_path_is_enforced(db_url):
    S = session_factory(db_url)
    with pytest.raises(IntegrityError):
        with S.begin() as s:
            for sha in ("a", "b"):
                s.add(Document(path="/x.txt", name="x.txt", sha256=sha, status="ok", current=True))
            s.flush()


# --- storing ----------------------------------------------------------------------

@pytest.fixture
def doc_file(tmp_path) -> Path:
    d = tmp_path / "docs"
    d.mkdir()
    return Path(shutil.copy(seed("001"), d))


def test_same_file_twice_changes_nothing(db_url, doc_file):
    result, first = store(db_url, doc_file)
    S = session_factory(db_url)
    with S() as s:
        assert is_unchanged(s, str(doc_file), result.sha256).id == first
        n = (count(s, Document), count(s, ProvisionRow), count(s, SectionRow), count(s, Jurisdiction))
    _, again = store(db_url, doc_file)
    assert again == first
    with S() as s:
        assert (count(s, Document), count(s, ProvisionRow), count(s, SectionRow), count(s, Jurisdiction)) == n
        assert n[1] == len(result.provisions) > 0


def test_jurisdictions_and_parts_are_linked(db_url, tmp_path):
    d = tmp_path / "docs"
    d.mkdir()
    for prefix in ("001", "002", "003"):
        shutil.copy(seed(prefix), d)
    ids = {p.name[:3]: store(db_url, p)[1] for p in sorted(d.iterdir())}
    with session_factory(db_url)() as s:
        single = s.get(Document, ids["001"])
        assert single.jurisdiction.name == "云南省楚雄彝族自治州武定县"
        assert single.jurisdiction.code == "532329" and single.jurisdiction.level == "county"
        assert not single.parts
        rows = s.scalars(select(ProvisionRow).where(ProvisionRow.document_id == single.id)).all()
        assert rows and all(r.jurisdiction_row is single.jurisdiction for r in rows)

        compilation = s.get(Document, ids["002"])
        assert compilation.jurisdiction_id is None  # its parts differ
        parts = compilation.parts
        assert [p.label for p in parts] == ["第一篇", "第二篇", "第三篇", "第四篇", "第五篇"]
        assert parts[1].jurisdiction.name == "新疆生产建设兵团"
        assert parts[0].jurisdiction.name == "江西省宜春市X市" and parts[0].jurisdiction.hidden
        src = compilation.source_text
        assert src[parts[1].source_start:parts[1].source_end].lstrip().startswith("第二篇")
        # one row per name, shared across documents
        bingtuan = s.scalars(select(Jurisdiction).where(Jurisdiction.name == "新疆生产建设兵团")).one()
        assert s.get(Document, ids["003"]).jurisdiction is bingtuan
        for r in s.scalars(select(ProvisionRow).where(ProvisionRow.document_id == compilation.id)):
            assert (r.jurisdiction_row.name if r.jurisdiction_row else None) == r.jurisdiction


def test_jurisdiction_parent_linked_by_code(db_url):
    S = session_factory(db_url)
    with S.begin() as s:
        county = jurisdiction_row(s, JurisdictionRecord("云南省楚雄彝族自治州武定县", "532329", "county",
                                                        parent_code="532300"))
        assert county.parent_id is None  # the parent is not stored yet
        pref = jurisdiction_row(s, JurisdictionRecord("云南省楚雄彝族自治州", "532300", "prefecture",
                                                      parent_code="530000"))
        town = jurisdiction_row(s, JurisdictionRecord("云南省楚雄彝族自治州武定县X镇", None, "town", hidden=True,
                                                      parent_code="532329"))
        assert jurisdiction_row(s, JurisdictionRecord("云南省楚雄彝族自治州", "532300", "prefecture")).id == pref.id
    with S() as s:
        assert s.get(Jurisdiction, county.id).parent_id == pref.id
        assert s.get(Jurisdiction, town.id).parent_id == county.id and s.get(Jurisdiction, town.id).hidden


def test_changed_file_makes_a_new_version_and_keeps_the_old(db_url, doc_file):
    v1, id1 = store(db_url, doc_file)
    original = doc_file.read_bytes()
    S = session_factory(db_url)
    with S() as s:
        old_records = provisions_of(s, [id1])
    doc_file.write_bytes(original + "\n附：本文件另行印发。\n".encode())
    v2, id2 = store(db_url, doc_file)
    assert id2 != id1 and v2.sha256 != v1.sha256
    with S() as s:
        assert find_current(s, str(doc_file)).id == id2
        old = s.get(Document, id1)
        assert old.current is False and old.status == "ok"
        assert provisions_of(s, [id1]) == old_records  # still queryable, untouched
        assert len(provisions_of(s, [id2])) == len(v2.provisions)
        assert count(s, Document, Document.path == str(doc_file.resolve())) == 2
    # the file put back: the first version is current again, nothing is added
    doc_file.write_bytes(original)
    _, back = store(db_url, doc_file)
    assert back == id1
    with S() as s:
        assert find_current(s, str(doc_file)).id == id1 and s.get(Document, id2).current is False
        assert count(s, Document) == 2


def test_failed_document_never_loses_the_good_version(db_url, doc_file):
    _, good = store(db_url, doc_file)
    S = session_factory(db_url)
    with S() as s:
        n = count(s, ProvisionRow)
    doc_file.write_bytes(b"")  # now unreadable: empty
    failed, failed_id = store(db_url, doc_file)
    assert not failed.ok and failed_id != good
    with S() as s:
        assert find_current(s, str(doc_file)).id == good
        row = s.get(Document, failed_id)
        assert row.status == "failed" and "empty" in row.error and row.current is False
        assert count(s, ProvisionRow) == n
    # failing again replaces the failure record, not the good version
    _, failed_again = store(db_url, doc_file)
    with S() as s:
        assert count(s, Document, Document.status == "failed") == 1
        assert find_current(s, str(doc_file)).id == good
    # fixed: the new version becomes current and the failure record goes
    doc_file.write_bytes(seed("001").read_bytes() + "\n（完）\n".encode())
    _, fixed = store(db_url, doc_file)
    with S() as s:
        assert find_current(s, str(doc_file)).id == fixed
        assert count(s, Document, Document.status == "failed") == 0
        assert s.get(Document, good).current is False


def test_first_version_failing_is_current_and_retried(db_url, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"")
    _, first = store(db_url, bad)
    S = session_factory(db_url)
    with S() as s:
        doc = find_current(s, str(bad))
        assert doc.id == first and doc.status == "failed"
        assert is_unchanged(s, str(bad), doc.sha256) is None  # failures are retried
    _, second = store(db_url, bad)
    with S() as s:
        assert count(s, Document) == 1 and find_current(s, str(bad)).id == second


def test_new_version_replaces_provisions_in_one_transaction(db_url, doc_file, monkeypatch):
    _, id1 = store(db_url, doc_file)
    S, R = session_factory(db_url), session_factory(db_url, read_only=True)
    with R() as r:
        before = provisions_of(r, [id1])
    doc_file.write_bytes(doc_file.read_bytes() + "\n附件另发。\n".encode())
    v2 = process_document(doc_file)
    # 1. until commit, another connection sees the old version whole
    with S.begin() as s:
        new = save_result(s, v2)
        assert new.id != id1
        with R() as r:
            cur = find_current(r, str(doc_file))
            assert cur.id == id1 and provisions_of(r, [cur.id]) == before
            assert count(r, Document) == 1
    with R() as r:
        assert find_current(r, str(doc_file)).id == new.id
    # 2. a failure half way through writing leaves nothing of the new version
    doc_file.write_bytes(doc_file.read_bytes() + "\n再附。\n".encode())
    v3 = process_document(doc_file)
    import pipeline.store as store_mod

    real, calls = store_mod._provision_values, []

    def failing(p):
        calls.append(p)
        if len(calls) > 3:
            raise RuntimeError("disk full")
        return real(p)

    monkeypatch.setattr(store_mod, "_provision_values", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        with S.begin() as s:
            save_result(s, v3)
    with R() as r:
        cur = find_current(r, str(doc_file))
        assert cur.id == new.id and len(provisions_of(r, [cur.id])) == len(v2.provisions)
        assert count(r, Document) == 2 and count(r, Document, Document.sha256 == v3.sha256) == 0


# --- concurrent runs and the acceptance test --------------------------------------------

def _seed_dir(tmp_path: Path) -> Path:
    docs = tmp_path / "docs"
    docs.mkdir()
    for p in SEEDS:
        shutil.copy(p, docs)
    return docs


def test_two_concurrent_runs_on_one_database(db_url, tmp_path):
    """Two `policyx run` processes over the same files at once: both succeed, every
    file is stored once, and both export the same rules."""
    docs = _seed_dir(tmp_path)
    procs = [policyx("run", docs, "--db", db_url, "--out", tmp_path / f"out{i}", "--quiet") for i in (1, 2)]
    outs = [p.communicate(timeout=600) for p in procs]
    for p, (_, err) in zip(procs, outs):
        assert p.returncode == 0, err
    a, b = ((tmp_path / f"out{i}" / "rules.jsonl").read_bytes() for i in (1, 2))
    assert a == b and a
    with session_factory(db_url)() as s:
        assert count(s, Document) == len(SEEDS) == count(s, Document, Document.current.is_(True))
        assert count(s, Run, Run.finished_at.is_not(None)) == 2
        if s.get_bind().dialect.name == "sqlite":
            assert s.execute(text("PRAGMA integrity_check")).scalar() == "ok"
            assert s.execute(text("PRAGMA foreign_key_check")).all() == []


def test_sqlite_and_postgresql_export_identical_rules(postgres_server, tmp_path):
    """Acceptance: the five seed TXT files into SQLite and into PostgreSQL give
    byte-identical rules.jsonl; a second run changes neither."""
    docs = _seed_dir(tmp_path)
    pg = postgres_server.create_database()
    urls = {"sqlite": f"sqlite:///{tmp_path / 'rules.db'}", "postgresql": pg}
    exports = {}
    try:
        for name, url in urls.items():
            for attempt in (1, 2):
                out = tmp_path / f"{name}{attempt}"
                r = run_policyx("run", docs, "--db", url, "--out", out, "--quiet")
                assert r.returncode == 0, r.stderr
                exports[name, attempt] = (out / "rules.jsonl").read_bytes()
            with session_factory(url)() as s:
                assert count(s, Document) == len(SEEDS)
            dispose_engine(url)
        assert exports["sqlite", 1]
        assert exports["sqlite", 1] == exports["postgresql", 1]
        assert exports["sqlite", 1] == exports["sqlite", 2] == exports["postgresql", 2]
    finally:
        postgres_server.drop_database(pg)
