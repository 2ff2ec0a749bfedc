"""The progress bar of long reads: on a terminal only, and only when the work takes long."""

from __future__ import annotations

import io

import pytest

from calcert.outputs import tables as render


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def run(stream: io.StringIO, steps: int) -> str:
    with render.Progress(steps, "reading the register", stream) as progress:
        for _ in range(steps):
            progress.advance()
    return stream.getvalue()


def test_shown_on_a_terminal_when_slow(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(render.Progress, "DELAY", 0.0)
    assert "reading the register" in run(Terminal(), 600)


def test_not_shown_when_quick():
    assert run(Terminal(), 600) == ""


def test_never_shown_when_not_a_terminal(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(render.Progress, "DELAY", 0.0)
    assert run(io.StringIO(), 600) == ""
