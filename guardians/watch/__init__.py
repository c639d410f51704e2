"""The long-running service: the injectable loop, watchdog glue, structured logs, metrics and /health."""
