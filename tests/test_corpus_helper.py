"""The corpus search's helper process: the same hits at the same code-point offsets as ``tui.corpus.hits`` (on
hostile text too), a newer query stops the older search, a changed text is sent again, and the process never
outlives the reader (closed, or the reader killed)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass

import pytest

from tui.corpus import Hit, compile_pattern, hits
from tui.corpus_helper import NICE, Found, Helper

HOSTILE = "é\u202ewhich\x1b[31m \U0001f600 which [b]which[/b] \r\n\u200d𝔴hich \x00 which\ud800 "


@dataclass
class Doc:
    key: str
    text: str


def results(helper: Helper, timeout: float = 20.0) -> list[Found]:
    """The current search's messages until its ``done`` (or ``error``)."""
    messages: list[Found] = []
    deadline = time.monotonic() + timeout
    while not messages or messages[-1].kind not in ("done", "error"):
        assert time.monotonic() < deadline, "the helper did not answer"
        messages += helper.take(10**6)
        time.sleep(0.005)
    return messages


def gone(pid: int, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
            with open(f"/proc/{pid}/stat", encoding="ascii") as stat:  # a zombie has ended too
                if stat.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return True
        except (ProcessLookupError, FileNotFoundError):
            return True
        time.sleep(0.02)
    return False


@pytest.fixture
def helper():
    helper = Helper()
    yield helper
    helper.close()


def test_hits_have_the_offsets_of_the_core_search_on_hostile_text(helper: Helper) -> None:
    documents = [Doc("a", HOSTILE * 300), Doc("b/ü\x1b.txt", "nothing here"), Doc("c", "WHICH " + HOSTILE)]
    helper.prepare(documents)
    helper.search(documents, "which", False, True, 12, 10_000)
    messages = results(helper)
    listed = [Hit(*h) for m in messages if m.kind == "hits" for h in m.hits]
    pattern = compile_pattern("which", ignore_case=True)
    assert listed == [h for d in documents for h in hits(d.key, d.text, pattern, 12)]
    assert messages[-1].kind == "done" and messages[-1].count == len(listed)
    assert all(documents[0].text[h.start : h.end] == h.match for h in listed if h.path == "a")


def test_past_the_limit_hits_are_counted_not_listed(helper: Helper) -> None:
    documents = [Doc("a", "x " * 5000), Doc("b", "x " * 300)]
    helper.search(documents, "x", False, False, 5, 1000)
    messages = results(helper)
    assert sum(len(m.hits) for m in messages) == 1000
    assert [(m.path, m.count) for m in messages if m.kind == "count"] == [("a", 4000), ("b", 300)]
    assert messages[-1].count == 5300


def test_a_bad_pattern_is_one_line_and_the_helper_lives_on(helper: Helper) -> None:
    documents = [Doc("a", "text")]
    helper.search(documents, "(", True, False, 5, 10)
    assert [(m.kind, m.text.startswith("not a valid regular expression")) for m in results(helper)] == [("error", True)]
    helper.search(documents, "t", False, False, 5, 10)
    assert results(helper)[-1].count == 2


def test_a_newer_query_drops_the_older_search_and_a_changed_text_is_searched(helper: Helper) -> None:
    big = Doc("big", "abc " * 2_000_000)
    helper.search([big], "b", False, False, 3, 10**9)  # takes a while: cut short by the next one
    helper.search([big], "zz", False, False, 3, 10)
    assert [m.kind for m in results(helper)] == ["done"]
    big.text = "zz" + big.text  # a reloaded document: a new text, sent again
    messages = results(helper) if helper.search([big], "zz", False, False, 3, 10) else []
    assert [h[1:3] for m in messages for h in m.hits] == [(0, 2)]


def test_a_search_stuck_in_one_match_is_replaced_by_a_fresh_process(helper: Helper, monkeypatch) -> None:
    import tui.corpus_helper as corpus_helper

    monkeypatch.setattr(corpus_helper, "STUCK", 0.2)
    documents = [Doc("a", "a" * 40 + "!")]
    helper.search(documents, "(a|aa)+$", True, False, 3, 10)  # backtracks for ever (2 ** 40 ways)
    time.sleep(0.5)
    stuck = helper.pid
    assert stuck is not None
    helper.search(documents, "a!", False, False, 3, 10)
    assert [h[1:3] for m in results(helper) for h in m.hits] == [(39, 41)]
    assert helper.pid != stuck and gone(stuck)


@pytest.mark.skipif(not hasattr(os, "getpriority"), reason="no process priorities here")
def test_the_process_runs_at_a_lower_priority_than_the_reader(helper: Helper) -> None:
    """On busy cores the reader's keys and frames come before the search."""
    helper.search([Doc("a", "text")], "t", False, False, 5, 10)
    assert results(helper)[-1].count == 2  # (it has started, and set its priority)
    ours = os.getpriority(os.PRIO_PROCESS, 0)
    assert os.getpriority(os.PRIO_PROCESS, helper.pid) == min(19, ours + NICE)


def test_closing_ends_the_process(helper: Helper) -> None:
    helper.prepare([Doc("a", "text")])
    pid = helper.pid
    assert pid is not None and not gone(pid, timeout=0.2)
    helper.close()
    assert gone(pid)


@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM"])
def test_the_process_ends_when_the_reader_is_killed_even_while_searching(how: str) -> None:
    """The reader killed (no clean-up runs) while its helper is deep in a match: the helper goes too."""
    script = (
        "import sys, time\n"
        "from tui.corpus_helper import Helper\n"
        "class D:\n    key = 'a'\n    text = 'a' * 40 + '!'\n"
        "h = Helper()\n"
        "h.search([D()], '(a|aa)+$', True, False, 3, 10)\n"
        "print(h.pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    reader = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout is not None
        pid = int(reader.stdout.readline())
        time.sleep(0.3)
        assert not gone(pid, timeout=0.1)
        reader.send_signal(getattr(signal, how))
        reader.wait(10)
        assert gone(pid)
    finally:
        reader.kill()
        reader.wait()
        reader.stdout.close()
