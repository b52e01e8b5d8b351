"""Alembic environment, configured in code (no alembic.ini): see intake_app/server/migrate.py."""

from alembic import context

from intake_app.server.models import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, compare_type=True,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
