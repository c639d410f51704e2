"""Pydantic models: the single source of truth for every JSON Schema in schemas/."""
