"""The core's Alembic revisions (branch ``core``)."""
