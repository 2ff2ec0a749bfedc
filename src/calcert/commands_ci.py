"""Commands for editors and CI: ``calcert schema``."""

# No `from __future__ import annotations`: see the note at the top of cli.py (start-up).

import sys

from calcert.cli import app, guarded
from calcert.i18n import N_

SCHEMA_HELP = N_(
    "Print the JSON Schema (draft-07) of an institution file, for TOML editors.\n\n"
    "The same schema ships in the package (calcert/data/institution.schema.json) and in the "
    "repository (schema/institution.schema.json). TOML dates are checked as strings of "
    'format "date", the way TOML editors map them.'
)


@app.command(help=SCHEMA_HELP)
@guarded
def schema() -> int:
    from calcert.schema import dumps

    sys.stdout.write(dumps())
    return 0
