"""Where a register is and how it is set up: ``calcert.toml``, discovery, ``init``.

Anything wrong in the settings stops a command (exit 2) before a file is read: a register
whose settings cannot be trusted cannot be checked either.
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass
from pathlib import Path

from calcert.errors import UsageError
from calcert.i18n import _, translate_text
from calcert.model.findings import display_path
from calcert.register.fs import INSTITUTIONS_DIR, LOCK_NAME, atomic_write
from calcert.register.location import CONFIG_NAME, ENV_REGISTRY, enclosing_register, find_root
from calcert.register.tomlfile import MAX_FILE_BYTES, decode_at

__all__ = ["CONFIG_NAME", "ENV_REGISTRY", "Config", "find_root", "init_register", "load_config"]


CONFIG_TEMPLATE = """\
schema = 1
name = "Rejestr Certyfikatów Jakości CAL"

[terms]
default_years = 5          # term length when `add` gets neither --until nor --term

[validate]
max_term_years = 5         # longer terms are a warning
"""

GITIGNORE = ".calcert.lock\n"

_CONFIG_KEYS: dict[str, dict[str, type] | type] = {
    "schema": int,
    "name": str,
    "terms": {"default_years": int},
    "validate": {"max_term_years": int, "ignore": list},
    "export": {"reminders": list},
}

DEFAULT_REMINDERS = ("6m", "1m")


@dataclass(frozen=True)
class Config:
    """Register settings from ``calcert.toml``; every key but ``schema`` has a default."""

    schema: int = 1
    name: str = "Rejestr Certyfikatów Jakości CAL"
    default_years: int = 5
    max_term_years: int = 5
    ignore: tuple[str, ...] = ()
    reminders: tuple[str, ...] = DEFAULT_REMINDERS


def load_config(root: Path) -> Config:
    """Read ``calcert.toml``; anything wrong in it is a usage error (exit 2)."""
    path = root / CONFIG_NAME
    shown = display_path(path)
    fix = _("fix or re-create it (`calcert init`)")
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise UsageError(
            _("{path}: cannot be read ({reason}); {fix}").format(
                path=shown, reason=exc.strerror, fix=fix
            )
        ) from None
    text, problem, line = decode_at(raw)
    if text is None:
        raise UsageError(f"{shown}:{line}: {translate_text(problem)}")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(
            _("{path}: cannot be read: {error}; {fix}").format(path=shown, error=exc, fix=fix)
        ) from None
    except RecursionError:
        raise UsageError(
            _("{path}: cannot be read: nested too deeply; {fix}").format(path=shown, fix=fix)
        ) from None
    except ValueError:  # an integer with thousands of digits
        raise UsageError(
            _("{path}: cannot be read: a number is too long; {fix}").format(path=shown, fix=fix)
        ) from None

    def bad(message: str) -> UsageError:
        return UsageError(f"{shown}: {message}")

    for key, value in data.items():
        spec = _CONFIG_KEYS.get(key)
        if spec is None:
            close = difflib.get_close_matches(key, list(_CONFIG_KEYS), n=1)
            hint = _(" (did you mean {word!r}?)").format(word=close[0]) if close else ""
            return_error = bad(
                _("unknown key {key!r}{hint}; known keys: {known}").format(
                    key=key, hint=hint, known=", ".join(_CONFIG_KEYS)
                )
            )
            raise return_error
        if isinstance(spec, dict):
            if not isinstance(value, dict):
                raise bad(_("{key} must be a table [{key}]").format(key=key))
            for sub, subvalue in value.items():
                if sub not in spec:
                    close = difflib.get_close_matches(sub, list(spec), n=1)
                    hint = _(" (did you mean {word!r}?)").format(word=close[0]) if close else ""
                    raise bad(
                        _("unknown key {sub!r} in [{key}]{hint}; known: {known}").format(
                            sub=sub, key=key, hint=hint, known=", ".join(spec)
                        )
                    )
                if not isinstance(subvalue, spec[sub]) or isinstance(subvalue, bool):
                    raise bad(_("[{key}] {sub} has the wrong type").format(key=key, sub=sub))
        elif not isinstance(value, spec) or isinstance(value, bool):
            raise bad(_("{key} has the wrong type").format(key=key))
    if "schema" not in data:
        raise bad(_("missing `schema = 1`"))
    if data["schema"] != 1:
        raise bad(
            _("schema {schema} is not supported by this calcert (it reads schema 1)").format(
                schema=data["schema"]
            )
        )
    terms = data.get("terms", {})
    checks = data.get("validate", {})
    default_years = terms.get("default_years", 5)
    max_years = checks.get("max_term_years", 5)
    if not 1 <= default_years <= 100:
        raise bad(_("[terms] default_years must be between 1 and 100"))
    if not 1 <= max_years <= 100:
        raise bad(_("[validate] max_term_years must be between 1 and 100"))
    ignore = checks.get("ignore", [])
    if not all(isinstance(code, str) for code in ignore):
        raise bad(_('[validate] ignore must be a list of finding codes, e.g. ["W004"]'))
    from calcert.model.findings import unknown_codes

    unknown = unknown_codes(ignore)
    if unknown:
        raise bad(
            _(
                "[validate] ignore names unknown codes: {codes}; "
                "see `calcert validate --explain CODE`"
            ).format(codes=", ".join(unknown))
        )
    reminders = data.get("export", {}).get("reminders", list(DEFAULT_REMINDERS))
    if not all(isinstance(text, str) for text in reminders):
        raise bad(_('[export] reminders must be a list of durations, e.g. ["6m", "1m"]'))
    if reminders:
        from calcert.model.terms import parse_duration

        for text in reminders:
            try:
                parse_duration(text)
            except UsageError as exc:
                raise bad(_("[export] reminders: {message}").format(message=exc.message)) from None
    return Config(
        schema=1,
        name=data.get("name", Config.name),
        default_years=default_years,
        max_term_years=max_years,
        ignore=tuple(code.upper() for code in ignore),
        reminders=tuple(reminders),
    )


def init_register(directory: Path) -> Path:
    """Create an empty register in ``directory``; refuse to overwrite an existing one."""
    config = directory / CONFIG_NAME
    if config.exists():
        raise UsageError(
            _("{path} already exists; not overwriting the register").format(
                path=display_path(config)
            )
        )
    outer = enclosing_register(directory)
    if outer is not None:  # a register inside a register: its files would be nobody's
        raise UsageError(
            _(
                "{path} is inside the register {outer}; use that register, or create the "
                "new one outside it"
            ).format(path=display_path(directory), outer=display_path(outer))
        )
    try:
        (directory / INSTITUTIONS_DIR).mkdir(parents=True, exist_ok=True)
        atomic_write(config, CONFIG_TEMPLATE.encode("utf-8"))
        gitignore = directory / ".gitignore"
        if not gitignore.exists():
            atomic_write(gitignore, GITIGNORE.encode("utf-8"))
        else:  # e.g. `calcert init .` at a repository root: add the lock, keep the rest
            existing = gitignore.read_bytes()
            if LOCK_NAME not in existing.decode("utf-8", "replace").splitlines():
                separator = b"" if not existing or existing.endswith(b"\n") else b"\n"
                atomic_write(gitignore, existing + separator + GITIGNORE.encode("utf-8"))
        # The lock file exists from the start, so a refused command never creates a file.
        (directory / LOCK_NAME).touch()
        keep = directory / INSTITUTIONS_DIR / ".gitkeep"
        if not any((directory / INSTITUTIONS_DIR).iterdir()):
            keep.touch()
    except OSError as exc:
        raise UsageError(
            _("{path}: cannot create the register ({reason})").format(
                path=display_path(directory), reason=exc.strerror
            )
        ) from None
    return directory
