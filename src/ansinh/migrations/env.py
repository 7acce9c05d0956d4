"""Alembic environment: the engine comes from the settings (or the caller), the models from ansinh.schema."""

from __future__ import annotations

from alembic import context

from ansinh.schema import metadata

config = context.config
engine = config.attributes.get("engine")
if engine is None:
    from ansinh.core.db import make_engine
    from ansinh.core.settings import load_settings

    engine = make_engine(load_settings().database_url)

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata(),
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
