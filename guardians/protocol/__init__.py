"""The protocol itself: pydantic models, the JSON Schemas built from them, the one validator, shipped data."""
