"""Keys, signatures and the trust anchor (OpenSSH Ed25519, SSHSIG, allowed_signers)."""
