"""Where a register is and how it is set up: ``calcert.toml``, discovery, ``init``.

Anything wrong in the settings stops a command (exit 2) before a file is read: a register
whose settings cannot be trusted cannot be checked either.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from calcert.errors import UsageError
from calcert.i18n import LANGUAGES, _, translate_text
from calcert.model.findings import display_path, unknown_codes
from calcert.register.fs import INSTITUTIONS_DIR, LOCK_NAME, atomic_write
from calcert.register.location import CONFIG_NAME, ENV_REGISTRY, enclosing_register, find_root
from calcert.register.tomlfile import MAX_FILE_BYTES, decode_at, merge_conflict

__all__ = ["CONFIG_NAME", "ENV_REGISTRY", "Config", "find_root", "init_register", "load_config"]


CONFIG_TEMPLATE = """\
schema = 1
name = "Rejestr Certyfikatów Jakości CAL"
language = "{language}"          # of what calcert writes into the register: en or pl

[terms]
default_years = 5          # term length when `add` gets neither --until nor --term

[validate]
max_term_years = 5         # longer terms are a warning
"""

# The lock, the import journal and temporary files of writes in progress (or of a writer
# killed before it could remove them): never data, never committed.
GITIGNORE_LINES = (".calcert.lock", ".calcert-journal", ".*.tmp")
# Register files are LF text everywhere: a checkout with core.autocrlf=true must not turn
# every file into CRLF (W006) on Windows.
GITATTRIBUTES_LINES = ("*.toml text eol=lf",)

_CONFIG_KEYS: dict[str, dict[str, type] | type] = {
    "schema": int,
    "name": str,
    "language": str,
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
    # The language of text calcert writes into the register (a superseded award's note),
    # whoever runs the command; registers from before the key: English.
    language: str = "en"


def load_config(root: Path) -> Config:
    """Read ``calcert.toml``; anything wrong in it is a usage error (exit 2)."""
    path = root / CONFIG_NAME
    shown = display_path(path)
    data = _read_config(path, shown)
    settings = _Settings(shown, data)
    for check in _CONFIG_CHECKS:
        check(settings)
    return Config(
        schema=1,
        name=data.get("name", Config.name),
        default_years=settings.terms.get("default_years", 5),
        max_term_years=settings.validate.get("max_term_years", 5),
        ignore=tuple(code.upper() for code in settings.validate.get("ignore", [])),
        reminders=tuple(settings.export.get("reminders", list(DEFAULT_REMINDERS))),
        language=data.get("language", Config.language),
    )


def _fix() -> str:
    return _("fix or re-create it (`calcert init`)")


def _read_config(path: Path, shown: str) -> dict[str, Any]:
    """The settings file as TOML data; a file that cannot be read is a usage error."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise UsageError(
            _("{path}: cannot be read ({reason}); {fix}").format(
                path=shown, reason=exc.strerror, fix=_fix()
            )
        ) from None
    text, problem, line = decode_at(raw)
    if text is None:
        raise UsageError(f"{shown}:{line}: {translate_text(problem or '')}")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        conflict = merge_conflict(text, shown)
        if conflict is not None:
            raise UsageError(
                f"{shown}:{conflict.line}: {translate_text(conflict.message)}"
            ) from None
        reason = _("{path}: cannot be read: {error}; {fix}")
        raise UsageError(reason.format(path=shown, error=exc, fix=_fix())) from None
    except RecursionError:
        reason = _("{path}: cannot be read: nested too deeply; {fix}")
        raise UsageError(reason.format(path=shown, fix=_fix())) from None
    except ValueError:  # an integer with thousands of digits
        reason = _("{path}: cannot be read: a number is too long; {fix}")
        raise UsageError(reason.format(path=shown, fix=_fix())) from None


@dataclass(frozen=True)
class _Settings:
    """The settings file's data while it is checked, one small validator at a time."""

    shown: str
    data: dict[str, Any]

    def bad(self, message: str) -> UsageError:
        return UsageError(f"{self.shown}: {message}")

    def table(self, key: str) -> dict[str, Any]:
        value = self.data.get(key, {})
        return value if isinstance(value, dict) else {}

    @property
    def terms(self) -> dict[str, Any]:
        return self.table("terms")

    @property
    def validate(self) -> dict[str, Any]:
        return self.table("validate")

    @property
    def export(self) -> dict[str, Any]:
        return self.table("export")


def _hint(word: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(known), n=1)
    return _(" (did you mean {word!r}?)").format(word=close[0]) if close else ""


def _wrong_type(value: object, kind: type) -> bool:
    return not isinstance(value, kind) or isinstance(value, bool)


def _check_keys(settings: _Settings) -> None:
    """Every key known, every value of its type (tables checked key by key)."""
    for key, value in settings.data.items():
        spec = _CONFIG_KEYS.get(key)
        if spec is None:
            raise settings.bad(
                _("unknown key {key!r}{hint}; known keys: {known}").format(
                    key=key, hint=_hint(key, _CONFIG_KEYS), known=", ".join(_CONFIG_KEYS)
                )
            )
        if isinstance(spec, dict):
            _check_table(settings, key, value, spec)
        elif _wrong_type(value, spec):
            raise settings.bad(_("{key} has the wrong type").format(key=key))


def _check_table(settings: _Settings, key: str, value: object, spec: dict[str, type]) -> None:
    if not isinstance(value, dict):
        raise settings.bad(_("{key} must be a table [{key}]").format(key=key))
    for sub, subvalue in value.items():
        if sub not in spec:
            raise settings.bad(
                _("unknown key {sub!r} in [{key}]{hint}; known: {known}").format(
                    sub=sub, key=key, hint=_hint(sub, spec), known=", ".join(spec)
                )
            )
        if _wrong_type(subvalue, spec[sub]):
            raise settings.bad(_("[{key}] {sub} has the wrong type").format(key=key, sub=sub))


def _check_schema(settings: _Settings) -> None:
    if "schema" not in settings.data:
        raise settings.bad(_("missing `schema = 1`"))
    schema = settings.data["schema"]
    if schema != 1:
        raise settings.bad(
            _("schema {schema} is not supported by this calcert (it reads schema 1)").format(
                schema=schema
            )
        )


def _check_years(settings: _Settings) -> None:
    if not 1 <= settings.terms.get("default_years", 5) <= 100:
        raise settings.bad(_("[terms] default_years must be between 1 and 100"))
    if not 1 <= settings.validate.get("max_term_years", 5) <= 100:
        raise settings.bad(_("[validate] max_term_years must be between 1 and 100"))


def _check_ignore(settings: _Settings) -> None:
    ignore = settings.validate.get("ignore", [])
    if not all(isinstance(code, str) for code in ignore):
        raise settings.bad(_('[validate] ignore must be a list of finding codes, e.g. ["W004"]'))
    unknown = unknown_codes(ignore)
    if unknown:
        raise settings.bad(
            _(
                "[validate] ignore names unknown codes: {codes}; "
                "see `calcert validate --explain CODE`"
            ).format(codes=", ".join(unknown))
        )


def _check_reminders(settings: _Settings) -> None:
    reminders = settings.export.get("reminders", list(DEFAULT_REMINDERS))
    if not all(isinstance(text, str) for text in reminders):
        raise settings.bad(_('[export] reminders must be a list of durations, e.g. ["6m", "1m"]'))
    if not reminders:
        return
    from calcert.model.terms import parse_duration

    for text in reminders:
        try:
            parse_duration(text)
        except UsageError as exc:
            message = _("[export] reminders: {message}").format(message=exc.message)
            raise settings.bad(message) from None


def _check_language(settings: _Settings) -> None:
    language = settings.data.get("language", "en")
    if language not in LANGUAGES:
        raise settings.bad(
            _("language must be {choices}, not {value!r}").format(
                choices=_(" or ").join(f'"{code}"' for code in LANGUAGES), value=language
            )
        )


# In this order: the first problem found is the one reported.
_CONFIG_CHECKS: tuple[Callable[[_Settings], None], ...] = (
    _check_keys,
    _check_schema,
    _check_years,
    _check_ignore,
    _check_reminders,
    _check_language,
)


def _add_lines(path: Path, lines: tuple[str, ...]) -> None:
    """Create ``path`` with ``lines``, or add those it lacks (e.g. `calcert init .` at a
    repository root: the rest of the file stays as it was)."""
    existing = path.read_bytes() if path.exists() else b""
    have = existing.decode("utf-8", "replace").splitlines()
    missing = "".join(line + "\n" for line in lines if line not in have).encode("utf-8")
    if missing:
        separator = b"" if not existing or existing.endswith(b"\n") else b"\n"
        atomic_write(path, existing + separator + missing)


def init_register(directory: Path, language: str = "en") -> Path:
    """Create an empty register in ``directory``, writing in ``language`` (``en``, ``pl``);
    refuse to overwrite an existing one."""
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
        atomic_write(config, CONFIG_TEMPLATE.format(language=language).encode("utf-8"))
        _add_lines(directory / ".gitignore", GITIGNORE_LINES)
        _add_lines(directory / ".gitattributes", GITATTRIBUTES_LINES)
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
