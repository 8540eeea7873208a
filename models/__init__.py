"""Typed records passed between pipeline stages, and the database schema."""
