"""Executing a plan: one-time passwords, the secrets file, the journal."""
