"""Where the register is: ``--registry``, ``$CALCERT_REGISTRY``, or upwards from here.

Kept apart from the settings and file code so that shell completion, which only needs the
folder, starts as fast as ``--version``.
"""

from __future__ import annotations

import os
from pathlib import Path

from calcert.errors import UsageError
from calcert.i18n import _

CONFIG_NAME = "calcert.toml"
ENV_REGISTRY = "CALCERT_REGISTRY"
INSTITUTIONS_DIR = "institutions"


def find_root(explicit: str | Path | None = None, cwd: Path | None = None) -> Path:
    """The register root: ``--registry``, then ``$CALCERT_REGISTRY``, then upwards from cwd."""
    for given, origin in ((explicit, "--registry"), (os.environ.get(ENV_REGISTRY), ENV_REGISTRY)):
        if given:
            found = _register_in(Path(given).expanduser())
            if found is not None:
                return found
            raise UsageError(
                _(
                    "{origin} {given}: no register there (no {config}); "
                    "create one with `calcert init {given}`"
                ).format(origin=origin, given=given, config=CONFIG_NAME)
            )
    start = (cwd or Path.cwd()).absolute()
    for directory in (start, *start.parents):
        found = _register_in(directory)
        if found is not None:
            return found
    raise UsageError(
        _(
            "no register found in {start} or above (looked for {config} and "
            "registry/calcert.toml); create one with `calcert init`, or pass --registry DIR"
        ).format(start=start, config=CONFIG_NAME)
    )


def _register_in(directory: Path) -> Path | None:
    """The register ``directory`` is, or else holds as ``registry/``."""
    for candidate in (directory, directory / "registry"):
        if (candidate / CONFIG_NAME).is_file():
            return candidate
    return None


def enclosing_register(directory: Path) -> Path | None:
    """The register that ``directory`` (existing or not) would lie inside, if any."""
    start = Path(os.path.abspath(directory))
    for folder in (start, *start.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    return None
