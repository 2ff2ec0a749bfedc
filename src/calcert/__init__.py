"""calcert: the register of CAL quality certificates, kept as TOML files in git."""

from __future__ import annotations

__version__ = "0.1.0"
