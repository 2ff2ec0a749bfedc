"""Every finding code with its name, severity and explanation (``validate --explain``).

Each entry is defined next to what finds it: the codes of reading a file in
``register.tomlfile``, the rules' codes in ``checks.per_file`` and ``checks.register_wide``.
The lowest layer keeps only codes and severities (``model.findings.CODES``), which findings
and the settings need before any rule is loaded; a test keeps both lists equal.
"""

from __future__ import annotations

from calcert.checks import per_file, register_wide
from calcert.model.findings import Check
from calcert.register.tomlfile import STRUCTURE_CHECKS

CHECKS: dict[str, Check] = {
    c.code: c
    for c in sorted(
        (*STRUCTURE_CHECKS, *per_file.CHECKS, *register_wide.CHECKS), key=lambda c: c.code
    )
}
