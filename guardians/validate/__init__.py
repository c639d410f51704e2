"""``guardians validate``: result types, per-epic and log checks, planning and workers, reporters."""
