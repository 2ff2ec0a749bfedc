"""The parse cache: used when the bytes are the same, never when they are not."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from calcert.checks import per_file
from calcert.register import cache
from calcert.register import loader as register
from calcert.register.cache import cache_file
from calcert.register.loader import load
from conftest import MLAWA, RADOM

BROKEN = 'id = "gops-zla"\nname = "Zła składnia\n'
NOT_CANONICAL = MLAWA.replace('id = "mops-mlawa"', 'id   =   "mops-mlawa"  # spaced')


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the files that were really parsed (not served from the cache)."""
    seen: list[str] = []
    real = register.parse

    def counting(path, raw, shown, *settings):
        seen.append(path.name)
        return real(path, raw, shown, *settings)

    monkeypatch.setattr(register, "parse", counting)
    return seen


def snapshot(reg: register.Register) -> list[tuple]:
    """Everything a command can see of a loaded register."""
    out = []
    for parsed in reg.files:
        lines = parsed.lines
        out.append(
            (
                parsed.path,
                parsed.shown,
                parsed.institution,
                None if parsed.institution is None else parsed.institution.path,
                [a.line for a in parsed.institution.awards] if parsed.institution else None,
                parsed.findings,
                parsed.raw,
                parsed.complete,
                parsed.is_canonical(),
                None
                if lines is None
                else (lines.top, lines.awards, lines.award_keys, lines.tables),
            )
        )
    return out


def test_second_load_is_served_from_the_cache_and_equal(make_register, parses):
    root = make_register(
        files={
            "mops-mlawa": MLAWA,
            "mops-radom": RADOM,
            "gops-zla": BROKEN,
            "mops-spaced": NOT_CANONICAL,
        }
    )
    (root / "institutions" / "mops-bom.toml").write_bytes(b"\xef\xbb\xbf" + RADOM.encode())
    first = snapshot(load(root))
    assert len(parses) == 5
    assert cache_file(root).is_file()
    parses.clear()
    second = snapshot(load(root))
    assert parses == []
    assert second == first


def test_cached_findings_are_the_uncached_ones(make_register, cli, monkeypatch):
    late = RADOM.replace("awarded_on = 2014-05-19", "awarded_on = 2014-12-19")
    root = make_register(files={"mops-radom": late, "gops-zla": BROKEN, "x": NOT_CANONICAL})
    monkeypatch.setenv("CALCERT_CACHE", "0")
    uncached = cli(root, "validate", "--format", "json", "--as-of", "2025-01-01")
    monkeypatch.delenv("CALCERT_CACHE")
    fresh = cli(root, "validate", "--format", "json", "--as-of", "2025-01-01")
    cached = cli(root, "validate", "--format", "json", "--as-of", "2025-01-01")
    assert '"W004"' in uncached.stdout and '"E002"' in uncached.stdout
    assert '"line": 8' in uncached.stdout  # awarded_on's line, found through the line index
    assert uncached.stdout == fresh.stdout == cached.stdout
    assert uncached.exit_code == cached.exit_code == 1
    # Messages come back as translatable messages, not just their English text:
    polish = cli(root, "--lang", "pl", "validate", "--as-of", "2025-01-01")
    monkeypatch.setenv("CALCERT_CACHE", "0")
    assert cli(root, "--lang", "pl", "validate", "--as-of", "2025-01-01").stdout == polish.stdout
    assert "błąd E002" in polish.stdout


def test_same_second_same_size_edit_is_seen(make_register, parses):
    root = make_register(files={"mops-radom": RADOM})
    path = root / "institutions" / "mops-radom.toml"
    assert load(root).files[0].institution.city == "Radom"
    before = os.stat(path)
    edited = RADOM.replace('city = "Radom"', 'city = "Rodam"')
    assert len(edited) == len(RADOM)
    path.write_text(edited, encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # same time stamp too
    after = os.stat(path)
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (
        before.st_size,
        before.st_mtime_ns,
        before.st_ino,
    )
    parses.clear()
    assert load(root).files[0].institution.city == "Rodam"
    assert parses == ["mops-radom.toml"]


def test_a_renamed_file_is_parsed_again(make_register, parses):
    """The name is part of the key; the id check (E007), a rule, runs on every read."""
    root = make_register(files={"mops-radom": RADOM})
    load(root)
    os.rename(root / "institutions" / "mops-radom.toml", root / "institutions" / "radom.toml")
    parses.clear()
    reg = load(root)
    assert parses == ["radom.toml"]
    assert reg.files[0].findings == []  # loading finds what stops a record only
    assert [f.code for f in per_file.check_file(reg.files[0])] == ["E007"]


@pytest.mark.parametrize(
    "damage",
    [b"", b"garbage", b"\x00" * 100, None],
    ids=["empty", "text", "zeros", "truncated"],
)
def test_a_damaged_cache_is_ignored_and_rebuilt(make_register, parses, damage):
    root = make_register(files={"mops-mlawa": MLAWA, "mops-radom": RADOM})
    expected = snapshot(load(root))
    blob_path = cache_file(root)
    blob = blob_path.read_bytes()
    blob_path.write_bytes(blob[: len(blob) // 2] if damage is None else damage)
    parses.clear()
    assert snapshot(load(root)) == expected
    assert len(parses) == 2
    parses.clear()
    assert snapshot(load(root)) == expected
    assert parses == []  # rebuilt


def test_a_cache_made_by_someone_else_is_ignored(make_register, parses, monkeypatch, tmp_path):
    """A cache committed to git (or planted in a pull request) cannot vouch for a file."""
    root = make_register(files={"mops-radom": RADOM})
    load(root)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "another-user"))
    parses.clear()
    load(root)
    assert parses == ["mops-radom.toml"]


def test_a_cache_from_other_code_is_ignored(make_register, parses, monkeypatch):
    root = make_register(files={"mops-radom": RADOM})
    load(root)
    monkeypatch.setattr(cache, "_code_fingerprint", lambda: "another calcert")
    parses.clear()
    load(root)
    assert parses == ["mops-radom.toml"]


def test_switched_off_by_the_environment(make_register, parses, monkeypatch):
    monkeypatch.setenv("CALCERT_CACHE", "0")
    root = make_register(files={"mops-radom": RADOM})
    load(root)
    load(root)
    assert parses == ["mops-radom.toml", "mops-radom.toml"]
    assert not cache_file(root).parent.exists()


def test_no_usable_cache_folder_means_no_cache(make_register, parses, monkeypatch, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    root = make_register(files={"mops-radom": RADOM})
    assert load(root).files[0].institution.city == "Radom"
    assert load(root).files[0].institution.city == "Radom"
    assert len(parses) == 2


def test_no_place_for_the_cache_file_means_no_cache(make_register, parses):
    root = make_register(files={"mops-radom": RADOM})
    cache_file(root).parent.mkdir(parents=True)
    cache_file(root).mkdir()  # a folder where the file would go
    load(root)
    load(root)
    assert len(parses) == 2


def tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_reading_leaves_every_byte_of_the_register_as_it_was(make_register, cli):
    root = make_register(files={"mops-radom": RADOM, "x": NOT_CANONICAL})
    before = tree(root)
    for _ in range(2):  # the first run makes the cache, the second uses it
        assert cli(root, "validate").exit_code == 1
        # x.toml declares mops-mlawa: named on stderr and skipped (exit 2)
        assert cli(root, "list", "--status", "all").exit_code == 2
    assert tree(root) == before
    assert cache_file(root).is_file()


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write to read-only folders")
def test_read_only_register_works(make_register, cli):
    root = make_register(files={"mops-radom": RADOM})
    for folder in (root / "institutions", root):
        folder.chmod(0o555)
    try:
        for _ in range(2):
            result = cli(root, "list", "--status", "all", "--format", "csv")
            assert result.exit_code == 0, result.output
            assert "mops-radom" in result.stdout
    finally:
        for folder in (root, root / "institutions"):
            folder.chmod(0o755)


def test_two_registers_have_two_caches(make_register, parses, tmp_path):
    one = make_register(files={"mops-radom": RADOM}, root=tmp_path / "one")
    two = make_register(files={"mops-radom": RADOM}, root=tmp_path / "two")
    assert cache_file(one) != cache_file(two)
    load(one)
    load(two)
    parses.clear()
    load(one)
    load(two)
    assert parses == []


def test_entries_of_deleted_files_are_dropped(make_register, parses):
    root = make_register(files={"mops-mlawa": MLAWA, "mops-radom": RADOM})
    load(root)
    (root / "institutions" / "mops-mlawa.toml").unlink()
    load(root)
    size = cache_file(root).stat().st_size
    (root / "institutions" / "mops-mlawa.toml").write_text(MLAWA, encoding="utf-8")
    parses.clear()
    load(root)
    assert parses == ["mops-mlawa.toml"]
    assert cache_file(root).stat().st_size > size


@pytest.mark.slow  # a real process
def test_concurrent_adds_both_land_and_the_cache_stays_sound(make_register, monkeypatch):
    root = make_register(files={"mops-radom": RADOM})
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent / "src")}
    procs = []
    for n in range(6):
        argv = [sys.executable, "-m", "calcert", "--registry", str(root), "add", f"gops-{n}"]
        argv += ["--name", f"GOPS {n}", "--city", f"Gmina {n}", "--from", "2024-01-01"]
        pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
        procs.append(subprocess.Popen(argv, env=env, **pipes))
    for proc in procs:
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err.decode()
    names = sorted(p.name for p in (root / "institutions").glob("*.toml"))
    assert names == [f"gops-{n}.toml" for n in range(6)] + ["mops-radom.toml"]
    warm = snapshot(load(root))  # through the cache the adds left behind
    ids = [f"gops-{n}" for n in range(6)] + ["mops-radom"]
    assert [parsed[2].id for parsed in warm] == ids
    assert all(parsed[5] == [] for parsed in warm)  # no findings
    monkeypatch.setenv("CALCERT_CACHE", "0")
    assert snapshot(load(root)) == warm
    leftovers = [p.name for p in cache_file(root).parent.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


def test_messages_keep_their_template_and_parameters(make_register):
    from datetime import date as day

    from calcert.i18n import Message, PluralMessage
    from calcert.model.findings import Finding
    from calcert.register.tomlfile import ParsedFile

    path = Path("/r/institutions/x.toml")
    messages = [
        "plain text",
        Message("{key} is {type}", key="name", type=Message("a date")),
        Message("awarded_on {day} is late", day=day(2014, 12, 19)),
        PluralMessage("{n} day", "{n} days", 3, label="2014..2017"),
    ]
    parsed = ParsedFile(path, "x.toml", None, [Finding("x.toml", 1, "E005", m) for m in messages])
    back = cache.unpack(cache.pack(parsed), path, "x.toml", b"")
    for before, after in zip(messages, (f.message for f in back.findings), strict=True):
        assert type(after) is type(before)
        assert after == before
        if isinstance(before, Message):
            assert (after.template, after.params) == (before.template, before.params)
            assert after.localized() == before.localized()


@pytest.mark.parametrize("with_cache", [True, False])
def test_a_cold_read_on_two_cores_gives_what_one_core_gives(
    make_register, monkeypatch, parses, with_cache
):
    from calcert.register.loader import PARALLEL_FROM

    files = {f"gops-{n}": RADOM.replace("mops-radom", f"gops-{n}") for n in range(40)}
    files.update({"gops-zla": BROKEN, "mops-spaced": NOT_CANONICAL, "mops-mlawa": MLAWA})
    root = make_register(files=files)
    (root / "institutions" / "mops-bom.toml").write_bytes(b"\xef\xbb\xbf" + RADOM.encode())
    (root / "institutions" / "dir.toml").mkdir()
    monkeypatch.setenv("CALCERT_CACHE", "1" if with_cache else "0")
    monkeypatch.setenv("CALCERT_JOBS", "1")
    one_core = snapshot(load(root))
    if with_cache:
        cache_file(root).unlink()
    monkeypatch.delenv("CALCERT_JOBS")
    monkeypatch.setattr(register, "PARALLEL_FROM", 1)
    forked: list[int] = []
    real = register._read_two_ways
    monkeypatch.setattr(register, "_read_two_ways", lambda *a: forked.append(1) or real(*a))
    two_cores = snapshot(load(root))
    assert forked == [1] and PARALLEL_FROM > 1000
    assert two_cores == one_core
    if with_cache:  # and what the child parsed went into the cache
        monkeypatch.setattr(register, "PARALLEL_FROM", 10**6)
        parses.clear()
        assert snapshot(load(root)) == one_core
        assert parses == []


def test_the_command_line_keeps_the_collector_off_what_it_read(make_register, monkeypatch):
    import gc

    import calcert

    root = make_register(files={"mops-radom": RADOM})
    gc.unfreeze()
    load(root)
    assert gc.get_freeze_count() == 0  # a library caller's objects stay collectable
    monkeypatch.setattr(calcert, "ONE_SHOT_PROCESS", True)
    try:
        load(root)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
