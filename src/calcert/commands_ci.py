"""Commands for editors and CI: ``calcert schema``."""

from __future__ import annotations

import sys

from calcert.cli import app, guarded


@app.command()
@guarded
def schema() -> int:
    """Print the JSON Schema (draft-07) of an institution file, for TOML editors.

    The same schema ships in the package (calcert/data/institution.schema.json) and in the
    repository (schema/institution.schema.json). TOML dates are checked as strings of
    format "date", the way TOML editors map them.
    """
    from calcert.schema import dumps

    sys.stdout.write(dumps())
    return 0
