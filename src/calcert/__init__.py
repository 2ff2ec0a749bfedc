"""calcert: the register of CAL quality certificates, kept as TOML files in git."""

from __future__ import annotations

__version__ = "0.1.0"

# True in the command-line process (set by ``cli.main``), which ends after one command: what
# it reads from the register lives until exit, so ``register.load`` may take it out of the
# cyclic garbage collector's sight (``gc.freeze``). Library users keep the default.
ONE_SHOT_PROCESS = False
