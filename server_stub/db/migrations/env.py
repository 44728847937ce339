from alembic import context

from server_stub.db.models import Base

config = context.config


def include_object(obj, name, type_, reflected, compare_to):  # noqa: ANN001
    """Autogenerate leaves the spatial indexes alone (made by hand in 7b1e5c0a9d21, not in the
    models): SQLite's R*Tree tables and their shadow tables, PostGIS's geom columns and indexes."""
    if type_ == "table" and "_rtree" in (name or ""):
        return False
    if type_ == "column" and name == "geom":
        return False
    if type_ == "index" and (name or "").endswith("_geom"):
        return False
    return True

engine = config.attributes["engine"]

with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata,
                      render_as_batch=engine.dialect.name == "sqlite", compare_type=True,
                      include_object=include_object)
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
