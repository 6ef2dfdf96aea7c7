"""The result store's tables, one definition per schema version, and the migrations between them.

We keep our own small migration list rather than Alembic: a few tables, no ini file or script
folder for a QA team to carry, and the store upgrades itself on open (:class:`voicecoach.qa.store.Store`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

SCHEMA_VERSION = 4
# The wide layout of schema versions 1-3: a column per dimension score, verdict and figure.
# Frozen here (never read from the registry) so that old stores are read as they were written.
_V3_DIMENSIONS = ("pace", "pauses", "volume", "pitch", "articulation", "drawl")
_V3_FIGURES = (  # column, dimension, unit
    ("speaking_rate_cps", "pace", "syllables/s"),
    ("articulation_rate_cps", "pace", "syllables/s"),
    ("n_syllables", "pace", "count"),
    ("long_pauses_per_min", "pauses", "1/min"),
    ("pause_ratio", "pauses", "0-1"),
    ("active_level_dbov", "volume", "dBov (ITU-T P.56)"),
    ("snr_db", "volume", "dB"),
    ("level_variation_db", "volume", "dB"),
    ("median_f0_hz", "pitch", "Hz"),
    ("pitch_range_st", "pitch", "semitones (10-90 %)"),
    ("monotone_ratio", "pitch", "0-1"),
    ("drawl_flagged_ratio", "drawl", "0-1"),
    ("low_confidence_ratio", "articulation", "0-1"),
)
_V3_COLUMNS = tuple(f"{d}_{what}" for d in _V3_DIMENSIONS for what in ("score", "verdict")) + tuple(c for c, _, _ in _V3_FIGURES)


def tables(version: int = SCHEMA_VERSION):
    """The schema at a version (1: results, sentences; 2: + aliases, results.worker; 3: + claims;
    4: dimension_results and figures instead of a column per dimension and figure)."""
    import sqlalchemy as sa

    md = sa.MetaData()
    cols = [
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(130), nullable=False, unique=True),
        sa.Column("file_sha256", sa.String(64), nullable=False, index=True),
        sa.Column("settings_sha256", sa.String(64), nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("call_id", sa.String(200), index=True),
        sa.Column("agent_id", sa.String(200), index=True),
        sa.Column("call_date", sa.Date, index=True),
        sa.Column("channel", sa.String(20)),
        sa.Column("status", sa.String(10), nullable=False, index=True),
        sa.Column("error_code", sa.String(40)),
        sa.Column("error_message", sa.Text),
        sa.Column("attempts", sa.Integer, nullable=False, default=1),
        sa.Column("duration_s", sa.Float),
        sa.Column("overall_score", sa.Float),
    ]
    if version < 4:
        for d in _V3_DIMENSIONS:
            cols += [sa.Column(f"{d}_score", sa.Float), sa.Column(f"{d}_verdict", sa.String(30))]
        cols += [sa.Column(name, sa.Float) for name, _, _ in _V3_FIGURES]
    cols += [
        sa.Column("n_notices", sa.Integer),
        sa.Column("model_name", sa.String(200)),
        sa.Column("model_sha256", sa.String(64)),
        sa.Column("targets_sha256", sa.String(64)),
        sa.Column("voicecoach_version", sa.String(20)),
        sa.Column("extra", sa.Text),
        sa.Column("report", sa.Text),
        sa.Column("elapsed_s", sa.Float),
        sa.Column("created_at", sa.DateTime, nullable=False),
    ]
    if version >= 2:
        cols.append(sa.Column("worker", sa.String(100)))
    results = sa.Table("results", md, *cols)
    sentences = sa.Table(
        "sentences", md,
        sa.Column("result_id", sa.Integer, sa.ForeignKey("results.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("idx", sa.Integer, primary_key=True),
        sa.Column("start_s", sa.Float), sa.Column("end_s", sa.Float), sa.Column("text", sa.Text),
        sa.Column("n_syllables", sa.Integer), sa.Column("rate_cps", sa.Float), sa.Column("pause_before_s", sa.Float),
        sa.Column("level_dbov", sa.Float), sa.Column("pitch_range_st", sa.Float), sa.Column("final_ratio", sa.Float),
        sa.Column("mean_confidence", sa.Float),
    )
    aliases = sa.Table(
        "aliases", md,
        sa.Column("result_id", sa.Integer, sa.ForeignKey("results.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("path", sa.Text, primary_key=True),
        sa.Column("call_id", sa.String(200)),
        sa.Column("seen_at", sa.DateTime),
    )
    version = sa.Table("schema_version", md, sa.Column("version", sa.Integer, nullable=False))
    claims = sa.Table(
        "claims", md,
        sa.Column("key", sa.String(130), primary_key=True),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
    )
    dimension_results = sa.Table(
        "dimension_results", md,
        sa.Column("result_id", sa.Integer, sa.ForeignKey("results.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("dimension", sa.String(40), primary_key=True),
        sa.Column("score", sa.Float), sa.Column("verdict", sa.String(30), index=True),
    )
    figures = sa.Table(
        "figures", md,
        sa.Column("result_id", sa.Integer, sa.ForeignKey("results.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("figure", sa.String(60), primary_key=True),
        sa.Column("dimension", sa.String(40), nullable=False),
        sa.Column("value", sa.Float), sa.Column("unit", sa.String(40)),
    )
    return Schema(md, results, sentences, aliases, version, claims, dimension_results, figures)


@dataclass(frozen=True)
class Schema:
    """The tables of one schema version (``dimension_results`` and ``figures`` from version 4)."""

    metadata: object
    results: object
    sentences: object
    aliases: object
    version: object
    claims: object
    dimension_results: object
    figures: object


def _migrate_1(conn) -> None:
    """Version 1: results, sentences, schema_version."""
    t = tables(1)
    for table in (t.results, t.sentences, t.version):
        table.create(conn)


def _migrate_2(conn) -> None:
    """Version 2: the aliases table (the same file met under another name) and results.worker."""
    import sqlalchemy as sa

    tables(2).aliases.create(conn)
    conn.execute(sa.text("ALTER TABLE results ADD COLUMN worker VARCHAR(100)"))


def _migrate_3(conn) -> None:
    """Version 3: claims, so that two batches on one store never score the same call twice."""
    tables(3).claims.create(conn)


def _migrate_4(conn) -> None:
    """Version 4: each dimension's score and verdict, and each figure, move from a column of
    ``results`` to a row of ``dimension_results`` / ``figures``; every stored value is kept
    (the units are those the export gave these columns), then the old columns are dropped."""
    import sqlalchemy as sa

    t = tables(4)
    t.dimension_results.create(conn)
    t.figures.create(conn)
    for d in _V3_DIMENSIONS:  # names from the frozen list above, never from input
        conn.execute(sa.text(f"INSERT INTO dimension_results (result_id, dimension, score, verdict) "
                             f"SELECT id, '{d}', {d}_score, {d}_verdict FROM results WHERE {d}_score IS NOT NULL OR {d}_verdict IS NOT NULL"))
    for col, d, unit in _V3_FIGURES:
        conn.execute(sa.text(f"INSERT INTO figures (result_id, figure, dimension, value, unit) "
                             f"SELECT id, '{col}', '{d}', {col}, '{unit}' FROM results WHERE {col} IS NOT NULL"))
    for col in _V3_COLUMNS:
        conn.execute(sa.text(f"ALTER TABLE results DROP COLUMN {col}"))


MIGRATIONS: list[tuple[int, Callable]] = [(1, _migrate_1), (2, _migrate_2), (3, _migrate_3), (4, _migrate_4)]
