"""Deciding one message: admission, the context a gate reads through, decisions, and the journalled commit."""
