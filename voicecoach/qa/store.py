"""The result store: one row per recording and settings, in SQLite (default) or PostgreSQL.

SQLAlchemy Core gives one code path for both databases. Each result is committed as soon as it
is written (SQLite in WAL mode with ``synchronous=FULL``), so killing a batch loses at most
the calls in flight and never corrupts the file.

Rows are keyed by ``sha256(file bytes) + sha256(settings)``: a re-run skips what is done, the
same file under another name is recognised (kept as an alias), and changed targets give new
keys, re-scored from the transcript cache without re-transcribing.

The schema is versioned (table ``schema_version``); :data:`voicecoach.qa.schema.MIGRATIONS`
upgrades an older store in place when it is opened.

Dimensions and figures are rows, not columns (schema 4): ``dimension_results`` holds each
call's score and verdict per dimension, ``figures`` each stored figure with its unit, both
keyed by the dimensions of :mod:`voicecoach.judge.dimensions`. A dimension registered later needs
no schema change. Narrow tables rather than a JSON column: the verdict filter and any
per-figure query stay plain, typed SQL on SQLite and PostgreSQL alike. :meth:`Store.rows`
pivots them back into one flat dict per call (``pace_score``, ``pace_verdict``,
``speaking_rate_cps``...), the shape the export and the summary read.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Iterable

from voicecoach.judge import dimensions
from voicecoach.errors import StoreError
from voicecoach.qa.schema import _V3_DIMENSIONS, MIGRATIONS, SCHEMA_VERSION, tables
from voicecoach.i18n import N_

LEASE_S = 6 * 3600.0
"""How long a claim on a call holds before another batch may take it over (a claim by a dead
process on this machine is taken over at once)."""
def engine_url(db: str | os.PathLike) -> str:
    """A path becomes SQLite; ``postgresql://`` uses the psycopg 3 driver."""
    s = str(db)
    if "://" not in s:
        return f"sqlite:///{Path(s).expanduser().resolve()}"
    if s.startswith("postgresql://") or s.startswith("postgres://"):
        return "postgresql+psycopg://" + s.split("://", 1)[1]
    return s


class Store:
    """Open (and create or upgrade) a result store.

    Parameters
    ----------
    db : str or path-like
        A file path (SQLite) or a database URL (``postgresql://user@host/db``).
    must_exist : bool
        Refuse a SQLite file that does not exist yet, instead of creating it (readers: export,
        summary).
    """

    def __init__(self, db: str | os.PathLike, *, upgrade_to: int = SCHEMA_VERSION, must_exist: bool = False) -> None:
        import sqlalchemy as sa

        self.url = engine_url(db)
        self.name = Path(str(db)).name if "://" not in str(db) else _safe(self.url)
        if must_exist and "://" not in str(db) and not Path(db).expanduser().is_file():
            raise StoreError.of(N_("the result store {name} does not exist; check its name, or score calls into it first with voicecoach batch"), name=Path(db).name)
        self._target_version = upgrade_to
        try:
            sqlite = self.url.startswith("sqlite")
            kw = {"connect_args": {"timeout": 60}} if sqlite else {}  # another batch may hold the write lock a moment
            self.engine = sa.create_engine(self.url, future=True, pool_pre_ping=True, **kw)
            if sqlite:
                sa.event.listen(self.engine, "connect", _sqlite_pragmas)
            with _migration_lock(self.url):
                self._migrate()
            self.t = tables(self._target_version)
        except StoreError:
            raise
        except Exception as e:
            raise StoreError.of(N_("cannot open the result store {name} ({reason}); check the path or URL and that the database server is running"), name=self.name, reason=_reason(e)) from None
        self.results, self.sentences, self.aliases, self.claims = self.t.results, self.t.sentences, self.t.aliases, self.t.claims

    # -- schema ---------------------------------------------------------------------------
    def _migrate(self) -> None:
        import sqlalchemy as sa

        with self.engine.begin() as conn:
            insp = sa.inspect(conn)
            current = 0
            if insp.has_table("schema_version"):
                current = conn.execute(sa.text("SELECT max(version) FROM schema_version")).scalar() or 0
            if current > SCHEMA_VERSION:
                raise StoreError.of(N_("the store {name} has schema version {version}, newer than this voicecoach ({ours}); upgrade voicecoach"), name=self.name, version=current, ours=SCHEMA_VERSION)
            for v, fn in MIGRATIONS:
                if current < v <= self._target_version:
                    fn(conn)
                    conn.execute(sa.text("DELETE FROM schema_version"))
                    conn.execute(sa.text("INSERT INTO schema_version (version) VALUES (:v)"), {"v": v})

    def schema_version(self) -> int:
        import sqlalchemy as sa

        with self.engine.connect() as conn:
            return int(conn.execute(sa.text("SELECT max(version) FROM schema_version")).scalar())

    # -- writing --------------------------------------------------------------------------
    def status_of(self, keys: Iterable[str]) -> dict[str, str]:
        """key -> status for the keys already stored."""
        import sqlalchemy as sa

        keys = list(keys)
        out = {}
        with self.engine.connect() as conn:
            for i in range(0, len(keys), 500):
                rows = conn.execute(sa.select(self.results.c.key, self.results.c.status).where(self.results.c.key.in_(keys[i:i + 500])))
                out.update({k: s for k, s in rows})
        return out

    def put(self, row: dict, sentences: list[dict] | None = None) -> int:
        """Insert or replace (on retry) one result with its sentences, in one transaction."""
        import sqlalchemy as sa

        row = {**row, "created_at": datetime.now(timezone.utc).replace(tzinfo=None)}
        narrow = self._target_version >= 4
        row, dims, figs = _split(row) if narrow else (row, [], [])
        with self._writing(), self.engine.begin() as conn:
            old = conn.execute(sa.select(self.results.c.id, self.results.c.attempts).where(self.results.c.key == row["key"])).first()
            if old is not None:
                row["attempts"] = (old.attempts or 1) + 1
                for table in (self.sentences,) + ((self.t.dimension_results, self.t.figures) if narrow else ()):
                    conn.execute(table.delete().where(table.c.result_id == old.id))
                conn.execute(self.results.update().where(self.results.c.id == old.id).values(**row))
                rid = old.id
            else:
                rid = conn.execute(self.results.insert().values(**row)).inserted_primary_key[0]
            if sentences:
                conn.execute(self.sentences.insert(), [{**s, "result_id": rid} for s in sentences])
            if dims:
                conn.execute(self.t.dimension_results.insert(), [{**d, "result_id": rid} for d in dims])
            if figs:
                conn.execute(self.t.figures.insert(), [{**f, "result_id": rid} for f in figs])
            if self._target_version >= 3:
                conn.execute(self.claims.delete().where(self.claims.c.key == row["key"]))
        return int(rid)

    def claim(self, key: str, owner: str, *, lease_s: float = LEASE_S) -> bool:
        """Take the call ``key`` for ``owner`` unless another live batch holds it or it is done.

        A claim lasts ``lease_s``; one whose owner was a process on this machine that no longer
        runs (a killed batch) is taken over at once, so running the same command again resumes.

        Returns
        -------
        bool
            True when this owner may score the call now.
        """
        import sqlalchemy as sa

        now = datetime.now(timezone.utc).replace(tzinfo=None)
        until = now + timedelta(seconds=lease_s)
        c = self.claims.c
        with self._writing(), self.engine.begin() as conn:
            status = conn.execute(sa.select(self.results.c.status).where(self.results.c.key == key)).scalar()
            if status == "done":
                return False  # another batch finished it since this one looked
            held = conn.execute(sa.select(c.owner, c.expires_at).where(c.key == key)).first()
            if held is None:
                conn.execute(_insert_new(self.url, self.claims).values(key=key, owner=owner, expires_at=until))
                # whose is it now? (a batch inserting the same key at this moment wins or loses
                # as a whole; rowcount is not reliable for ON CONFLICT DO NOTHING on every driver)
                return conn.execute(sa.select(c.owner).where(c.key == key)).scalar() == owner
            if held.owner != owner and held.expires_at > now and owner_alive(held.owner):
                return False
            taken = conn.execute(self.claims.update().where((c.key == key) & (c.owner == held.owner)).values(owner=owner, expires_at=until))
            return taken.rowcount == 1

    def release(self, key: str, owner: str) -> None:
        """Give a claimed call back (it was not scored, e.g. the batch was stopped)."""
        with self._writing(), self.engine.begin() as conn:
            conn.execute(self.claims.delete().where((self.claims.c.key == key) & (self.claims.c.owner == owner)))

    def _writing(self):
        return _write_errors(self.name)

    def add_alias(self, key: str, path: str, call_id: str | None) -> None:
        import sqlalchemy as sa

        with self._writing(), self.engine.begin() as conn:
            r = conn.execute(sa.select(self.results.c.id, self.results.c.path).where(self.results.c.key == key)).first()
            if r is None or r.path == path:
                return
            exists = conn.execute(sa.select(self.aliases.c.path).where((self.aliases.c.result_id == r.id) & (self.aliases.c.path == path))).first()
            if exists is None:
                conn.execute(self.aliases.insert().values(result_id=r.id, path=path, call_id=call_id, seen_at=datetime.now(timezone.utc).replace(tzinfo=None)))

    # -- reading --------------------------------------------------------------------------
    def rows(self, *, since: date | None = None, until: date | None = None, agent: str | None = None, verdict: str | None = None,
             status: str | None = None, agents: Iterable[str] | None = None, dimension: str | None = None, ids: Iterable[int] | None = None,
             newest_first: bool = False, limit: int | None = None, offset: int = 0) -> list[dict]:
        """Results as flat dicts (without the full report), filtered and paged in SQL.

        Each dict holds the ``results`` columns, and for every registered dimension (and any
        other stored) ``<dimension>_score``, ``<dimension>_verdict`` and its figures by key
        (None where a call has none).

        Parameters
        ----------
        verdict : str, optional
            Calls with this verdict on at least one dimension (on ``dimension`` when given).
        agents : iterable of str, optional
            Calls of any of these agents (a team); an empty one matches nothing.
        ids : iterable of int, optional
            Only these results.
        newest_first : bool
            Ordered by call date, then id, newest first (default: oldest first, by call id).
        limit, offset : int
            A page of at most ``limit`` rows after the first ``offset``.
        """
        import sqlalchemy as sa

        c = self.results.c
        q = self._where(sa.select(*[col for col in self.results.columns if col.name != "report"]), since=since, until=until, agent=agent,
                        verdict=verdict, status=status, agents=agents, dimension=dimension, ids=ids)
        q = q.order_by(c.call_date.desc(), c.id.desc()) if newest_first else q.order_by(c.call_date, c.call_id, c.id)
        if limit is not None:
            q = q.limit(limit).offset(offset)
        if self._target_version < 4:  # an old layout, opened as it is (tests of the migration)
            with self.engine.connect() as conn:
                return [dict(r._mapping) for r in conn.execute(q)]
        dr, fg = self.t.dimension_results, self.t.figures
        empty = {f"{d.name}_{what}": None for d in dimensions.registered(None) for what in ("score", "verdict")}
        empty.update({f.key: None for _, f in dimensions.figures(None)})
        with self.engine.connect() as conn:
            out = [{**dict(r._mapping), **empty} for r in conn.execute(q)]
            by_id = {r["id"]: r for r in out}
            ids = list(by_id)
            for i in range(0, len(ids), 500):
                chunk = ids[i:i + 500]
                for d in conn.execute(sa.select(dr).where(dr.c.result_id.in_(chunk))):
                    by_id[d.result_id].update({f"{d.dimension}_score": d.score, f"{d.dimension}_verdict": d.verdict})
                for f in conn.execute(sa.select(fg.c.result_id, fg.c.figure, fg.c.value).where(fg.c.result_id.in_(chunk))):
                    by_id[f.result_id][f.figure] = f.value
        return out

    def count(self, **filters) -> int:
        """How many results :meth:`rows` gives with these filters (no paging)."""
        import sqlalchemy as sa

        with self.engine.connect() as conn:
            return int(conn.execute(self._where(sa.select(sa.func.count()).select_from(self.results), **filters)).scalar())

    def verdicts(self) -> list[str]:
        """Every verdict stored on some dimension, sorted."""
        import sqlalchemy as sa

        dr = self.t.dimension_results
        with self.engine.connect() as conn:
            return sorted(v for (v,) in conn.execute(sa.select(dr.c.verdict).distinct()) if v)

    def _where(self, q, *, since=None, until=None, agent=None, verdict=None, status=None, agents=None, dimension=None, ids=None):
        import sqlalchemy as sa

        c = self.results.c
        for cond, clause in ((since, lambda: c.call_date >= since), (until, lambda: c.call_date <= until), (agent, lambda: c.agent_id == agent),
                             (status, lambda: c.status == status), (agents is not None, lambda: c.agent_id.in_(list(agents))),
                             (ids is not None, lambda: c.id.in_(list(ids)))):
            q = q.where(clause()) if cond else q
        if verdict and self._target_version < 4:
            return q.where(sa.or_(*[getattr(c, f"{d}_verdict") == verdict for d in ([dimension] if dimension else _V3_DIMENSIONS)]))
        if verdict:
            dr = self.t.dimension_results
            q = q.where(c.id.in_(sa.select(dr.c.result_id).where((dr.c.verdict == verdict) & ((dr.c.dimension == dimension) if dimension else sa.true()))))
        return q

    def report(self, key: str) -> dict | None:
        import sqlalchemy as sa

        with self.engine.connect() as conn:
            r = conn.execute(sa.select(self.results.c.report).where(self.results.c.key == key)).scalar()
        return json.loads(r) if r else None

    def sentence_rows(self, result_id: int) -> list[dict]:
        import sqlalchemy as sa

        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(sa.select(self.sentences).where(self.sentences.c.result_id == result_id).order_by(self.sentences.c.idx))]

    def alias_rows(self) -> list[dict]:
        import sqlalchemy as sa

        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(sa.select(self.aliases))]

    def close(self) -> None:
        self.engine.dispose()


def _split(row: dict) -> tuple[dict, list[dict], list[dict]]:
    """A flat result row -> (its ``results`` columns, its dimension rows, its figure rows),
    by the registered dimensions of any input (``<name>_score``, ``<name>_verdict``, figure keys)."""
    row = dict(row)
    dims, figs = [], []
    for d in dimensions.registered(None):
        score, verdict = row.pop(f"{d.name}_score", None), row.pop(f"{d.name}_verdict", None)
        if score is not None or verdict is not None:
            dims.append({"dimension": d.name, "score": score, "verdict": verdict})
        for f in d.figures:
            value = row.pop(f.key, None)
            if value is not None:
                figs.append({"dimension": d.name, "figure": f.key, "value": value, "unit": f.unit})
    return row, dims, figs


@contextlib.contextmanager
def _write_errors(name: str):
    """A write that the disk or the server refuses becomes one clear StoreError; what was
    committed before stays (each call is its own transaction)."""
    try:
        yield
    except StoreError:
        raise
    except Exception as e:
        import sqlalchemy as sa

        if not isinstance(e, (sa.exc.SQLAlchemyError, OSError)):
            raise
        why = _reason(e)
        low = why.lower()
        hint = ("free disk space" if "full" in low or "space" in low else
                "make the store writable or choose another --db" if "readonly" in low or "read-only" in low or "permission" in low else
                "check the database")
        raise StoreError.of(N_("cannot write to the result store {name} ({reason}); {hint}, then run the same command again: every finished call is kept"), name=name, reason=why, hint=hint) from None


def _reason(e: Exception) -> str:
    """The database's own reason, one short line, without SQL or paths."""
    orig = getattr(e, "orig", None) or e
    text = (str(orig).splitlines() or [type(e).__name__])[0]
    text = text.split("[SQL:")[0].strip()
    return text[:80] if text else type(e).__name__


def _insert_new(url: str, table):
    """INSERT that does nothing when the key exists (two batches claiming one call at once)."""
    if url.startswith("postgresql"):
        from sqlalchemy.dialects.postgresql import insert
    elif url.startswith("sqlite"):
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - other databases: a plain insert, its IntegrityError is the answer
        return table.insert()
    return insert(table).on_conflict_do_nothing()


def owner_id() -> str:
    """Who holds a claim: this host and process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def owner_alive(owner: str) -> bool:
    """Whether a claim's owner may still be running (a process on another host is assumed to be)."""
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextlib.contextmanager
def _migration_lock(url: str):
    """One process at a time creates or upgrades a SQLite store (two batches started together
    on a new file would otherwise both create its tables)."""
    if not url.startswith("sqlite:///"):
        yield
        return
    import fcntl

    path = Path(url[len("sqlite:///"):])
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        lock = open(path.with_name(path.name + ".lock"), "a+")
    except OSError:  # a read-only folder: nothing can be created or upgraded there anyway
        yield
        return
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")  # readers never block the writer; crash-safe
    cur.execute("PRAGMA synchronous=FULL")  # a committed result survives power loss
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _safe(url: str) -> str:
    """A URL without its password, for messages."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        cred, host = rest.rsplit("@", 1)
        return f"{scheme}://{cred.split(':', 1)[0]}@{host}"
    return url
