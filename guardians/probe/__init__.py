"""The process guardian's eyes: probes of real services (HTTP, TCP, PostgreSQL,
Redis), host resources, port conflicts, and canary analysis of a health series.
"""
