"""Alembic migrations run programmatically at server start (no alembic.ini needed)."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    command.upgrade(alembic_config(engine), revision)


def is_current(engine: Engine) -> bool:
    """Whether the database is at the newest revision (read only: nothing is created)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    with engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    return current == set(ScriptDirectory.from_config(alembic_config(engine)).get_heads())


def autogenerate(engine: Engine, message: str) -> None:
    """Developer helper: `python -m server_stub.db.migrate "message"` writes a new revision."""
    command.revision(alembic_config(engine), message=message, autogenerate=True)


if __name__ == "__main__":
    import sys
    import tempfile

    from .session import make_engine
    with tempfile.TemporaryDirectory() as d:
        eng = make_engine(f"sqlite:///{d}/gen.sqlite")
        upgrade(eng)
        autogenerate(eng, sys.argv[1] if len(sys.argv) > 1 else "change")
