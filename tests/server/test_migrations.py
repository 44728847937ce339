"""The migrations form one line and build exactly the tables the models declare.

Helpers land migrations in parallel; two revisions with the same parent make two heads and the
server cannot start ("Multiple head revisions"). Drift between a model and its migration shows up
only on a fresh database, so it is compared here.
"""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from server_stub.db.migrate import alembic_config, upgrade
from server_stub.db.models import Base


def test_one_head_and_models_match_the_migrated_schema(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'm.sqlite'}")
    assert len(ScriptDirectory.from_config(alembic_config(engine)).get_heads()) == 1
    upgrade(engine)
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"include_object": _ours})
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == [], diff


def _ours(obj, name, type_, reflected, compare_to) -> bool:  # noqa: ANN001
    # The R*Tree virtual tables and their shadow tables live beside the models on purpose.
    return not (type_ == "table" and "_rtree" in (name or ""))
