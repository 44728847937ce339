"""Pydantic request/response schemas, apart from the tables."""
