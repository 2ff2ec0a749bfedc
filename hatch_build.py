"""Compile the gettext catalogs (.po → .mo) into the package when it is built.

The .mo files are build outputs and are not committed; Babel (a build requirement) does
the compiling, so an installed calcert speaks Polish without any runtime dependency.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CatalogBuildHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        locale_dir = Path(self.root) / "src" / "calcert" / "locale"
        for po_path in sorted(locale_dir.glob("*/LC_MESSAGES/*.po")):
            with po_path.open("rb") as handle:
                catalog = read_po(handle)
            mo_path = po_path.with_suffix(".mo")
            with mo_path.open("wb") as handle:
                write_mo(handle, catalog, use_fuzzy=False)
            relative = mo_path.relative_to(Path(self.root) / "src").as_posix()
            build_data.setdefault("force_include", {})[str(mo_path)] = relative
