"""Rules: pure checks with explicit codes. Registries are explicit tuples."""
