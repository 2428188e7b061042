"""Alembic environment of Sportello (see :mod:`sportello.core.migrate`)."""
