"""What users ask of the register: edits, import, queries and figures (no printing)."""
