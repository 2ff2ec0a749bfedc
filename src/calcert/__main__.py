"""Allow ``python -m calcert``."""

from __future__ import annotations

from calcert.cli import main

if __name__ == "__main__":
    main()
