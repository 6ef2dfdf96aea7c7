"""The web app's own tables, in the result store's database but in their own SQLAlchemy
metadata (the store's schema and its migrations stay the library's).

Every table is prefixed ``web_`` so it can never collide with a store table. The app creates
what is missing on start (``create_all``); a later change of these tables gets its own small
migration list, as the store has.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

users = sa.Table(
    "web_users", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("password_hash", sa.Text),  # None: signs in only through the trusted header
    sa.Column("role", sa.String(10), nullable=False),  # agent, trainer, qa, admin
    sa.Column("team", sa.String(64)),
    sa.Column("display_name", sa.String(100)),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
)

sessions = sa.Table(
    "web_sessions", metadata,
    sa.Column("token_sha256", sa.String(64), primary_key=True),  # the cookie holds the token; the table only its hash
    sa.Column("user_id", sa.Integer, sa.ForeignKey("web_users.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("csrf", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("expires_at", sa.DateTime, nullable=False),
)

login_failures = sa.Table(
    "web_login_failures", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("username", sa.String(64), nullable=False, index=True),
    sa.Column("client", sa.String(64), nullable=False, index=True),
    sa.Column("at", sa.DateTime, nullable=False, index=True),
)

scripts = sa.Table(
    "web_scripts", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("team", sa.String(64)),  # None: every team
    sa.Column("trainer_id", sa.Integer, sa.ForeignKey("web_users.id"), nullable=False),
    sa.Column("benchmark_take_id", sa.Integer),  # a take of the trainer's (web_takes.id)
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("version", sa.Integer, nullable=False, default=1, server_default="1"),  # web_script_versions.version now in effect
)

script_versions = sa.Table(
    "web_script_versions", metadata,  # every text and benchmark a script has had: a take is compared with its own version's
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("script_id", sa.Integer, sa.ForeignKey("web_scripts.id"), nullable=False, index=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("benchmark_take_id", sa.Integer),
    sa.Column("by_id", sa.Integer, sa.ForeignKey("web_users.id"), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.UniqueConstraint("script_id", "version"),
)

takes = sa.Table(
    "web_takes", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("web_users.id"), nullable=False, index=True),
    sa.Column("kind", sa.String(10), nullable=False),  # take (practice), benchmark, call (QA upload)
    sa.Column("file_sha256", sa.String(64), nullable=False),
    sa.Column("file_ext", sa.String(8), nullable=False),  # from the sniffed type, never from the name
    sa.Column("label", sa.String(200)),  # the uploaded name, shown only (escaped), never a path
    sa.Column("size_bytes", sa.Integer, nullable=False),
    sa.Column("duration_s", sa.Float),
    sa.Column("script_id", sa.Integer, sa.ForeignKey("web_scripts.id")),
    sa.Column("batch_id", sa.String(32), index=True),  # QA uploads of many files share one
    sa.Column("agent", sa.String(64)),  # whose call a QA upload is (None: not said); a take is its uploader's
    sa.Column("result_key", sa.String(130)),  # the store's results.key once analysed
    sa.Column("summary", sa.Text),  # JSON: overall and per-dimension score and verdict (the history page)
    sa.Column("compared", sa.Boolean, nullable=False, default=False),  # a comparison page with the script's benchmark exists
    sa.Column("script_version", sa.Integer),  # the script's version when the take was uploaded (its text and benchmark)
    sa.Column("benchmark_take_id", sa.Integer),  # the benchmark take its comparison was made against
    sa.Column("created_at", sa.DateTime, nullable=False, index=True),
)

jobs = sa.Table(
    "web_jobs", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("take_id", sa.Integer, sa.ForeignKey("web_takes.id"), nullable=False, index=True),
    sa.Column("status", sa.String(10), nullable=False, index=True),  # queued, running, done, failed
    sa.Column("stage", sa.String(40)),
    sa.Column("error", sa.Text),  # one sentence for the user, English (logs, and rows older than error_template)
    sa.Column("error_template", sa.Text),  # its message id (the English source string in the catalogues) ...
    sa.Column("error_params", sa.Text),  # ... and the values that fill it (JSON): shown in each viewer's language
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("started_at", sa.DateTime),
    sa.Column("finished_at", sa.DateTime),
    sa.Column("elapsed_s", sa.Float),  # wall time of the analysis in its worker (report page included), s
    sa.Column("cpu_s", sa.Float),  # processor time it used (the worker and its report helper), s
)

folder_batches = sa.Table(
    "web_folder_batches", metadata,
    sa.Column("id", sa.String(16), primary_key=True),  # random; shown nowhere
    sa.Column("folder", sa.Text, nullable=False),  # resolved server path, checked inside the batch roots when started and again when resumed
    sa.Column("by_id", sa.Integer, sa.ForeignKey("web_users.id"), nullable=False),
    sa.Column("state", sa.String(10), nullable=False, index=True),  # running (also: to resume after a restart), done, failed
    sa.Column("total", sa.Integer, nullable=False, default=0),
    sa.Column("done", sa.Integer, nullable=False, default=0),  # scored, skipped as already stored, or duplicates
    sa.Column("failed", sa.Integer, nullable=False, default=0),
    sa.Column("runs", sa.Integer, nullable=False, default=0),  # 1 + the restarts it was resumed after
    sa.Column("owner", sa.String(160)),  # the server process running it (host:pid/app): another server never resumes it while that one lives
    sa.Column("heartbeat_at", sa.DateTime),  # written with its progress; a batch of a host that stopped writing is resumed after BATCH_STALE_S
    sa.Column("error", sa.Text),  # a failed batch's sentence in English (an error without a message id)
    sa.Column("error_template", sa.Text),  # a failed batch's message id and values, shown in each viewer's language
    sa.Column("error_params", sa.Text),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("finished_at", sa.DateTime),
)

ROLES = ("agent", "trainer", "qa", "admin")

ADDED_COLUMNS = (("web_scripts", "version"), ("web_takes", "script_version"), ("web_takes", "benchmark_take_id"),
                 ("web_jobs", "error_template"), ("web_jobs", "error_params"))
"""Columns added after the first release of these tables, in order: :func:`upgrade` adds them
to an older database (``create_all`` makes missing tables, never missing columns)."""


def upgrade(engine) -> None:
    """Create the missing web tables and add the columns of :data:`ADDED_COLUMNS` that an older
    database lacks (nullable, or with a server default: no row needs rewriting)."""
    metadata.create_all(engine)
    have = {t: {c["name"] for c in sa.inspect(engine).get_columns(t)} for t in {t for t, _ in ADDED_COLUMNS}}
    with engine.begin() as conn:
        for table, name in ADDED_COLUMNS:
            if name not in have[table]:
                col = metadata.tables[table].c[name]
                ddl = col.type.compile(dialect=engine.dialect)
                default = f" DEFAULT {col.server_default.arg}" if col.server_default is not None else ""
                conn.execute(sa.text(f"ALTER TABLE {table} ADD COLUMN {name} {ddl}{default}{' NOT NULL' if default and not col.nullable else ''}"))
