"""What lives on disk: epic layout, hardened loaders, atomic writes, the decision log and the inboxes."""
