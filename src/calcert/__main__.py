"""Allow ``python -m calcert``."""

from __future__ import annotations

from calcert.cli.app import main

if __name__ == "__main__":
    main()
