"""Hostile register files: each is a finding for ``validate`` (exit 1) and one line naming
the file for every other command (exit 2, the readable files still served), never a
traceback, and never rewritten by anything but an explicit ``fmt``.

Tests run in the register root so that paths print as ``institutions/x.toml``.
"""

from __future__ import annotations

import errno
import os
import textwrap
from pathlib import Path

import pytest

from calcert.register import tomlfile
from conftest import ADD_RADOM, MLAWA, RADOM
from hostile_helpers import assert_no_crash, snapshot, temp_files

LIST = ("list", "--status", "all", "--as-of", "2025-01-01")
EXPIRING = ("expiring", "--within", "2y", "--as-of", "2025-01-01")
SHOW = ("show", "mops-mlawa", "--as-of", "2025-01-01")
ADD_RADOM = (*ADD_RADOM, "--by", "Paweł Jordan", "--source", "https://example.org/radom")
RADOM_RECORDED = (
    "Recorded the 1st certificate of mops-radom (Miejski Ośrodek Pomocy Społecznej w "
    "Radomiu, Radom): 2014-05-19..2017-05-18 (term 2014-2017)\n"
)


def mlawa_as(ident: str) -> str:
    return MLAWA.replace('"mops-mlawa"', f'"{ident}"')


HUGE = mlawa_as("huge").encode() + b"# " + b"x" * tomlfile.MAX_FILE_BYTES + b"\n"

# name -> (file bytes, the finding validate prints, the reason other commands print)
BAD_FILES: dict[str, tuple[bytes, str, str]] = {
    "empty": (
        b"",
        "institutions/empty.toml:1: error E003 missing key 'id'",
        "institutions/empty.toml:1: missing key 'id'",
    ),
    "windows": (
        mlawa_as("windows").encode("cp1250"),
        "institutions/windows.toml:2: error E001 not UTF-8, looks like Windows-1250; "
        "re-save the file as UTF-8",
        "institutions/windows.toml:2: not UTF-8, looks like Windows-1250; "
        "re-save the file as UTF-8",
    ),
    "latin2": (
        mlawa_as("latin2").encode("iso-8859-2"),
        "institutions/latin2.toml:2: error E001 not UTF-8, looks like ISO-8859-2 "
        "(Latin-2); re-save the file as UTF-8",
        "institutions/latin2.toml:2: not UTF-8, looks like ISO-8859-2 (Latin-2); "
        "re-save the file as UTF-8",
    ),
    "nul": (
        mlawa_as("nul").encode() + b"\x00\x00",
        "institutions/nul.toml:14: error E001 file contains NUL bytes (binary, or UTF-16?); "
        "save it as UTF-8 text",
        "institutions/nul.toml:14: file contains NUL bytes (binary, or UTF-16?); "
        "save it as UTF-8 text",
    ),
    "utf16": (
        mlawa_as("utf16").encode("utf-16"),
        "institutions/utf16.toml:1: error E001 file contains NUL bytes (binary, or UTF-16?); "
        "save it as UTF-8 text",
        "institutions/utf16.toml:1: file contains NUL bytes (binary, or UTF-16?); "
        "save it as UTF-8 text",
    ),
    "dupkey": (
        mlawa_as("dupkey")
        .replace('city = "Mława"\n', 'city = "Mława"\ncity = "Radom"\n')
        .encode(),
        "institutions/dupkey.toml:5: error E002 Cannot overwrite a value (column 15)",
        "institutions/dupkey.toml:5: Cannot overwrite a value (column 15)",
    ),
    "deep": (
        b'id = "deep"\nx = ' + b"[" * 5000 + b"]" * 5000 + b"\n",
        "institutions/deep.toml:1: error E002 arrays or tables nested too deeply for a "
        "register file",
        "institutions/deep.toml:1: arrays or tables nested too deeply for a register file",
    ),
    "deeptable": (
        b'id = "deeptable"\nx = ' + b"{a=" * 5000 + b"1" + b"}" * 5000 + b"\n",
        "institutions/deeptable.toml:1: error E002 arrays or tables nested too deeply for a "
        "register file",
        "institutions/deeptable.toml:1: arrays or tables nested too deeply for a register file",
    ),
    "bignum": (
        b'id = "bignum"\ncertificate_no = ' + b"7" * 5000 + b"\n",
        "institutions/bignum.toml:2: error E002 a number with 5,000 digits cannot be read; "
        "remove it",
        "institutions/bignum.toml:2: a number with 5,000 digits cannot be read; remove it",
    ),
    "huge": (
        HUGE,
        f"institutions/huge.toml:1: error E001 file is {len(HUGE):,} bytes, "
        f"over the {tomlfile.MAX_FILE_BYTES:,}-byte limit for an institution file; is it the "
        "right file?",
        f"institutions/huge.toml:1: file is {len(HUGE):,} bytes, over the "
        f"{tomlfile.MAX_FILE_BYTES:,}-byte limit for an institution file; is it the right file?",
    ),
    "latin1": (
        'id = "latin1"\nname = "Café Été"\n'.encode("latin-1"),
        "institutions/latin1.toml:2: error E001 not UTF-8, looks like a legacy 8-bit "
        "encoding (Windows-1250 or ISO-8859-2); re-save the file as UTF-8",
        "institutions/latin1.toml:2: not UTF-8, looks like a legacy 8-bit encoding "
        "(Windows-1250 or ISO-8859-2); re-save the file as UTF-8",
    ),
    "binary": (
        bytes(range(1, 256)) * 4,
        "institutions/binary.toml:2: error E001 not UTF-8, looks like Windows-1250; "
        "re-save the file as UTF-8",
        "institutions/binary.toml:2: not UTF-8, looks like Windows-1250; "
        "re-save the file as UTF-8",
    ),
}


def exercise_bad_file(root: Path, cli, shown_reason: str, finding: str) -> None:
    """The common contract for a file no record can be read from."""
    before = snapshot(root)

    result = cli(root, "validate")
    assert_no_crash(result.stdout, result.stderr, result.exit_code)
    assert result.exit_code == 1
    assert finding in result.stdout.splitlines()

    skipped = f"calcert: {shown_reason} (file skipped; see `calcert validate`)\n"
    for args in (
        LIST,
        EXPIRING,
        SHOW,
        ("list", "--format", "json", "--as-of", "2025-01-01"),
        ("export", "--format", "csv"),
        ("export", "--format", "ics", "--as-of", "2025-01-01"),
    ):
        result = cli(root, *args)
        assert_no_crash(result.stdout, result.stderr, result.exit_code)
        assert result.exit_code == 2, args
        assert result.stderr == skipped, args
        assert "mops-mlawa" in result.stdout, args  # the readable file is still served
    result = cli(root, "stats", "--as-of", "2025-01-01", "--format", "json")
    assert (result.exit_code, result.stderr) == (2, skipped)

    result = cli(root, "fmt", "--check")
    assert result.exit_code == 1
    assert result.stderr.endswith("(not formatted)\n")
    result = cli(root, "fmt")
    assert_no_crash(result.stdout, result.stderr, result.exit_code)
    assert result.exit_code == 1
    assert all(line.endswith("(not formatted)") for line in result.stderr.splitlines())
    assert snapshot(root) == before  # read-only commands and fmt left every byte alone

    result = cli(root, *ADD_RADOM)
    assert_no_crash(result.stdout, result.stderr, result.exit_code)
    assert result.exit_code == 2  # the award is recorded, the bad file still named
    assert result.stdout == RADOM_RECORDED
    assert result.stderr == skipped
    after = snapshot(root)
    assert after.pop("institutions/mops-radom.toml").startswith(b'id = "mops-radom"\n')
    assert after == before
    assert temp_files(root) == []


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_file_is_a_finding_and_one_line_elsewhere(name, make_register, cli, monkeypatch):
    raw, finding, reason = BAD_FILES[name]
    root = make_register(files={"mops-mlawa": MLAWA})
    (root / "institutions" / f"{name}.toml").write_bytes(raw)
    monkeypatch.chdir(root)
    exercise_bad_file(root, cli, reason, finding)


def test_recording_into_a_bad_file_is_refused_naming_it(make_register, cli, monkeypatch):
    root = make_register(files={"mops-mlawa": MLAWA})
    path = root / "institutions" / "mops-radom.toml"
    raw = RADOM.encode("cp1250")
    path.write_bytes(raw)
    monkeypatch.chdir(root)
    result = cli(root, "add", "mops-radom", "--from", "2017-05-19", "--term", "2017-2022")
    assert result.exit_code == 2
    assert result.stderr == (
        "calcert: error: institutions/mops-radom.toml:2: not UTF-8, looks like "
        "Windows-1250; re-save the file as UTF-8; fix this file before recording awards in "
        "it (`calcert validate institutions/mops-radom.toml`)\n"
    )
    assert path.read_bytes() == raw
    result = cli(root, "show", "mops-radom")
    assert result.exit_code == 2
    assert result.stderr == (
        "calcert: error: institutions/mops-radom.toml:2: not UTF-8, looks like "
        "Windows-1250; re-save the file as UTF-8; fix the file (`calcert validate`)\n"
    )


@pytest.mark.parametrize(
    ("name", "raw", "line", "why"),
    [
        ("crlf", mlawa_as("crlf").replace("\n", "\r\n").encode(), 1, "has CRLF line endings"),
        ("bom", b"\xef\xbb\xbf" + mlawa_as("bom").encode(), 1, "starts with a UTF-8 BOM"),
        ("nonl", mlawa_as("nonl").rstrip("\n").encode(), 13, "does not end with a newline"),
    ],
)
def test_readable_but_not_canonical_is_a_warning_and_only_fmt_rewrites(
    name, raw, line, why, make_register, cli, monkeypatch
):
    root = make_register(files={"mops-radom": RADOM})
    path = root / "institutions" / f"{name}.toml"
    path.write_bytes(raw)
    monkeypatch.chdir(root)
    result = cli(root, "validate")
    assert result.exit_code == 0
    assert result.stdout == (
        f"institutions/{name}.toml:{line}: warning W006 {why}; run `calcert fmt` to fix it\n"
    )
    for args in (LIST, EXPIRING, ("show", name), ("fmt", "--check")):
        result = cli(root, *args)
        assert_no_crash(result.stdout, result.stderr, result.exit_code)
        assert name in result.stdout
    # An edit of another institution leaves this file's bytes alone.
    result = cli(root, "add", "mops-radom", "--from", "2017-05-19", "--term", "2017-2022")
    assert result.exit_code == 0, result.stderr
    assert path.read_bytes() == raw
    # Only the explicit fmt rewrites it, to the canonical bytes.
    result = cli(root, "fmt")
    assert result.exit_code == 0
    assert result.stdout == f"reformatted institutions/{name}.toml\n"
    assert path.read_bytes() == mlawa_as(name).encode()
    assert cli(root, "validate").exit_code == 0


def test_directory_named_like_a_file(make_register, cli, monkeypatch):
    root = make_register(files={"mops-mlawa": MLAWA})
    (root / "institutions" / "x.toml").mkdir()
    (root / "institutions" / "x.toml" / "inner.toml").write_text(RADOM)
    monkeypatch.chdir(root)
    exercise_bad_file(
        root,
        cli,
        "institutions/x.toml:1: not a regular file (a directory?); remove or rename it",
        "institutions/x.toml:1: error E001 not a regular file (a directory?); remove or rename it",
    )


def test_symlink_inside_the_register_is_followed_and_written_through(
    make_register, cli, monkeypatch
):
    root = make_register(files={"mops-mlawa": MLAWA})
    shared = root / "shared"
    shared.mkdir()
    (shared / "mops-radom.toml").write_text(RADOM)
    link = root / "institutions" / "mops-radom.toml"
    link.symlink_to(Path("..") / "shared" / "mops-radom.toml")
    monkeypatch.chdir(root)
    assert cli(root, "validate").stdout == ""
    result = cli(root, *LIST)
    assert result.exit_code == 0
    assert "mops-radom" in result.stdout
    result = cli(root, "add", "mops-radom", "--from", "2017-05-19", "--term", "2017-2022")
    assert result.exit_code == 0, result.stderr
    assert link.is_symlink()  # still a link, and its target holds both awards
    assert (shared / "mops-radom.toml").read_text().count("[[awards]]") == 2
    assert cli(root, "validate").exit_code == 0
    assert temp_files(root) == []


def test_symlink_leaving_the_register_is_refused(make_register, cli, monkeypatch, tmp_path):
    root = make_register(files={"mops-mlawa": MLAWA})
    outside = tmp_path / "elsewhere" / "mops-radom.toml"
    outside.parent.mkdir()
    outside.write_text(RADOM)
    (root / "institutions" / "mops-radom.toml").symlink_to(outside)
    monkeypatch.chdir(root)
    reason = (
        f"institutions/mops-radom.toml:1: symlink to {outside.resolve()}, outside the register; "
        "copy the file in instead"
    )
    finding = reason.replace("toml:1: ", "toml:1: error E001 ", 1)
    before = snapshot(root)
    result = cli(root, "validate")
    assert result.exit_code == 1
    assert finding in result.stdout.splitlines()
    result = cli(root, *LIST)
    assert result.exit_code == 2
    assert result.stderr == f"calcert: {reason} (file skipped; see `calcert validate`)\n"
    result = cli(root, "add", "mops-radom", "--from", "2017-05-19", "--term", "2017-2022")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"calcert: error: {reason}; fix this file before")
    assert cli(root, "fmt").exit_code == 1
    assert outside.read_text() == RADOM
    assert snapshot(root) == before


def test_symlink_chain_that_ends_outside_is_refused(make_register, cli, monkeypatch, tmp_path):
    root = make_register(files={"mops-mlawa": MLAWA})
    outside = tmp_path / "elsewhere.toml"
    outside.write_text(RADOM)
    (root / "hop.toml").symlink_to(outside)  # inside the register, pointing out
    (root / "institutions" / "mops-radom.toml").symlink_to(Path("..") / "hop.toml")
    monkeypatch.chdir(root)
    result = cli(root, "validate")
    assert result.exit_code == 1
    assert result.stdout == (
        f"institutions/mops-radom.toml:1: error E001 symlink to {outside.resolve()}, outside the "
        "register; copy the file in instead\n"
    )


def test_broken_symlink(make_register, cli, monkeypatch):
    root = make_register(files={"mops-mlawa": MLAWA})
    (root / "institutions" / "gone.toml").symlink_to("nowhere.toml")
    monkeypatch.chdir(root)
    exercise_bad_file(
        root,
        cli,
        "institutions/gone.toml:1: file does not exist (a broken symlink?)",
        "institutions/gone.toml:1: error E001 file does not exist (a broken symlink?)",
    )


def _deny_reading(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Make every way of opening ``name`` for reading fail as chmod 000 would (tests run as
    root in CI, where chmod does not stop reads)."""
    import builtins
    import io

    real_open, real_io_open, real_os_open = builtins.open, io.open, os.open

    def denied(path) -> bool:
        return os.fspath(path).endswith(name) if isinstance(path, str | os.PathLike) else False

    def fake_open(file, *args, **kwargs):
        if denied(file):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(file))
        return real_open(file, *args, **kwargs)

    def fake_io_open(file, *args, **kwargs):
        if denied(file):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(file))
        return real_io_open(file, *args, **kwargs)

    def fake_os_open(path, *args, **kwargs):
        if denied(path):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return real_os_open(path, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", fake_open)
    monkeypatch.setattr(io, "open", fake_io_open)
    monkeypatch.setattr(os, "open", fake_os_open)


UNREADABLE = "institutions/secret.toml:1: permission denied; make the file readable (chmod a+r)"
UNREADABLE_FINDING = UNREADABLE.replace("toml:1: ", "toml:1: error E001 ")


def test_unreadable_file_simulated(make_register, cli, monkeypatch):
    root = make_register(files={"mops-mlawa": MLAWA, "secret": mlawa_as("secret")})
    monkeypatch.chdir(root)
    _deny_reading(monkeypatch, "secret.toml")
    exercise_bad_file(root, cli, UNREADABLE, UNREADABLE_FINDING)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file_real_chmod(make_register, cli, monkeypatch):
    root = make_register(files={"mops-mlawa": MLAWA, "secret": mlawa_as("secret")})
    path = root / "institutions" / "secret.toml"
    path.chmod(0)
    monkeypatch.chdir(root)
    try:
        exercise_bad_file(root, cli, UNREADABLE, UNREADABLE_FINDING)
    finally:
        path.chmod(0o644)


# ---- a read-only register on add -----------------------------------------------------


def _readonly(monkeypatch: pytest.MonkeyPatch, where: str, error: int) -> None:
    """Fail writes the way a read-only mount (EROFS), a denied directory (EACCES) or a full
    disk (ENOSPC) does."""
    import tempfile

    real_os_open, real_mkstemp, real_replace = os.open, tempfile.mkstemp, os.replace
    real_fsync = os.fsync
    exc = OSError(error, os.strerror(error))

    def fake_fsync(fd):
        if where == "fsync":
            raise exc
        return real_fsync(fd)

    def fake_os_open(path, flags, *args, **kwargs):
        if where == "lock" and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            raise exc
        return real_os_open(path, flags, *args, **kwargs)

    def fake_mkstemp(*args, **kwargs):
        if where == "temp":
            raise exc
        return real_mkstemp(*args, **kwargs)

    def fake_replace(src, dst, *args, **kwargs):
        if where == "rename":
            raise exc
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "open", fake_os_open)
    monkeypatch.setattr(tempfile, "mkstemp", fake_mkstemp)
    monkeypatch.setattr(os, "replace", fake_replace)
    monkeypatch.setattr(os, "fsync", fake_fsync)


@pytest.mark.parametrize(
    ("where", "error", "line"),
    [
        (
            "lock",
            errno.EROFS,
            # The lock needs only read permission (issue 12 item 13): the write is refused.
            "calcert: error: institutions/mops-mlawa.toml: cannot write (Read-only file "
            "system); is the register read-only?",
        ),
        (
            "temp",
            errno.EACCES,
            "calcert: error: institutions/mops-mlawa.toml: cannot write (Permission denied); "
            "is the register read-only?",
        ),
        (
            "fsync",
            errno.ENOSPC,
            "calcert: error: institutions/mops-mlawa.toml: cannot write (No space left on device)",
        ),
        (
            "rename",
            errno.EROFS,
            "calcert: error: institutions/mops-mlawa.toml: cannot write (Read-only file system)",
        ),
    ],
)
def test_add_on_a_read_only_register(where, error, line, make_register, cli, monkeypatch):
    root = make_register(files={"mops-mlawa": MLAWA, "mops-radom": RADOM})
    monkeypatch.chdir(root)
    before = snapshot(root)
    _readonly(monkeypatch, where, error)
    result = cli(root, "add", "mops-mlawa", "--awarded", "2026-03-29", "--term", "2026-2030")
    assert_no_crash(result.stdout, result.stderr, result.exit_code)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == line + "\n"
    assert snapshot(root) == before
    assert temp_files(root) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_add_on_a_really_read_only_register(make_register, cli, monkeypatch):
    root = make_register(files={"mops-mlawa": MLAWA})
    monkeypatch.chdir(root)
    before = snapshot(root)
    (root / "institutions").chmod(0o555)
    root.chmod(0o555)
    try:
        result = cli(root, "add", "mops-mlawa", "--awarded", "2026-03-29", "--term", "2026-2030")
    finally:
        root.chmod(0o755)
        (root / "institutions").chmod(0o755)
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 1
    assert "read-only" in result.stderr
    assert snapshot(root) == before


# ---- calcert.toml ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "line"),
    [
        (
            b"schema = 1\nschema = 1\n",
            "calcert: error: calcert.toml: cannot be read: Cannot overwrite a value (at line 2, "
            "column 11); fix or re-create it (`calcert init`)",
        ),
        (
            'schema = 1\nname = "Rejestr Certyfikatów"\n'.encode("cp1250"),
            "calcert: error: calcert.toml:2: not UTF-8, looks like a legacy 8-bit "
            "encoding (Windows-1250 or ISO-8859-2); re-save the file as UTF-8",
        ),
        (
            b"schema = " + b"9" * 5000 + b"\n",
            "calcert: error: calcert.toml: cannot be read: a number is too long; fix or "
            "re-create it (`calcert init`)",
        ),
        (
            b"schema = 1\nx = " + b"[" * 5000 + b"]" * 5000 + b"\n",
            "calcert: error: calcert.toml: cannot be read: nested too deeply; fix or re-create "
            "it (`calcert init`)",
        ),
        (
            b"schema = 1\x00\n",
            "calcert: error: calcert.toml:1: file contains NUL bytes (binary, or UTF-16?); save "
            "it as UTF-8 text",
        ),
        (
            b"schema = 2\n",
            "calcert: error: calcert.toml: schema 2 is not supported by this calcert (it reads "
            "schema 1)",
        ),
    ],
)
def test_bad_settings_file_is_one_line_exit_2(raw, line, make_register, cli, monkeypatch):
    root = make_register(files={"mops-mlawa": MLAWA})
    (root / "calcert.toml").write_bytes(raw)
    monkeypatch.chdir(root)
    for args in (LIST, ("validate",), ADD_RADOM):
        result = cli(root, *args)
        assert result.exit_code == 2
        assert result.stderr == line + "\n"
    assert (root / "calcert.toml").read_bytes() == raw


def test_settings_file_with_bom_is_read(make_register, cli):
    root = make_register(
        files={"mops-mlawa": MLAWA},
        config=textwrap.dedent("\ufeffschema = 1\n"),
    )
    assert cli(root, *LIST).exit_code == 0


def test_file_name_with_a_newline_keeps_every_message_on_one_line(make_register, cli, monkeypatch):
    root = make_register(files={"mops-mlawa": MLAWA})
    (root / "institutions" / "two\nlines.toml").write_bytes(b"")
    monkeypatch.chdir(root)
    result = cli(root, "validate")
    assert result.exit_code == 1
    assert "institutions/two\\nlines.toml:1: error E003 missing key 'id'" in result.stdout
    assert all(
        line.startswith("institutions/two\\nlines.toml") for line in result.stdout.splitlines()
    )
    result = cli(root, *LIST)
    assert result.exit_code == 2
    assert result.stderr == (
        "calcert: institutions/two\\nlines.toml:1: missing key 'id' (file skipped; see "
        "`calcert validate`)\n"
    )


IMPORT_CSV = (
    "id;name;city;valid_from;valid_until;term\n"
    "gops-alfa;GOPS Alfa;Alfa;2020-05-19;2025-05-18;2020-2025\n"
    "gops-beta;GOPS Beta;Beta;2021-06-01;2026-05-31;2021-2026\n"
)


@pytest.mark.parametrize(
    ("where", "error", "line"),
    [
        (
            "temp",
            errno.EACCES,
            "calcert: error: institutions: cannot write (Permission denied); nothing was imported",
        ),
        (
            "fsync",
            errno.ENOSPC,
            "calcert: error: institutions: cannot write (No space left on device); nothing was "
            "imported",
        ),
        (
            "rename",
            errno.EROFS,
            "calcert: error: institutions: cannot write (Read-only file system); nothing was "
            "imported",
        ),
    ],
)
def test_import_on_a_read_only_register(where, error, line, make_register, cli, monkeypatch):
    root = make_register(files={"mops-mlawa": MLAWA})
    (root.parent / "import.csv").write_text(IMPORT_CSV)
    monkeypatch.chdir(root)
    before = snapshot(root)
    _readonly(monkeypatch, where, error)
    result = cli(root, "import", "../import.csv")
    assert_no_crash(result.stdout, result.stderr, result.exit_code)
    assert (result.exit_code, result.stderr) == (2, line + "\n")
    assert snapshot(root) == before
    assert temp_files(root) == []


def test_import_whose_second_rename_fails_says_how_to_finish(make_register, cli, monkeypatch):
    root = make_register(files={"mops-mlawa": MLAWA})
    (root.parent / "import.csv").write_text(IMPORT_CSV)
    monkeypatch.chdir(root)
    real_replace, calls = os.replace, []

    def second_fails(src, dst):
        if str(dst).endswith(".toml"):  # not the import journal
            calls.append(dst)
        if len(calls) == 2 and str(dst).endswith(".toml"):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS))
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", second_fails)
    result = cli(root, "import", "../import.csv")
    assert (result.exit_code, result.stderr) == (
        2,
        "calcert: error: institutions: cannot write (Read-only file system) after 1 of 2 "
        "files; each file is whole, and the next calcert command that writes (or the same "
        "import again) finishes the import\n",
    )
    # The journal keeps the staged file of the second row until the next write finishes it.
    assert temp_files(root) == [t for t in temp_files(root) if t.startswith(".gops-beta.toml.")]
    monkeypatch.setattr(os, "replace", real_replace)
    assert cli(root, "validate").exit_code == 0
    result = cli(root, "import", "../import.csv")
    assert result.exit_code == 0, result.stderr
    assert "calcert: finished an interrupted import: all 2 of its files" in result.stderr
    assert temp_files(root) == []
    assert (root / "institutions" / "gops-alfa.toml").exists()
    assert (root / "institutions" / "gops-beta.toml").exists()
