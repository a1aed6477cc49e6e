"""The fault suite's quick slice (the whole suite: ``python -m tests.faults``): every case has its exact outcome,
and none gives a traceback, a hang, lost data or a control code on the terminal."""

from __future__ import annotations

from tests.faults.run import Tally, run_suite, table


def test_the_quick_slice_of_the_fault_suite_is_clean(capsys):
    results = run_suite(quick=True, out=lambda line: None)
    problems = [p for tally in results.values() if isinstance(tally, Tally) for p in tally.problems]
    print(table(results))
    assert problems == []
    tallies = [t for t in results.values() if isinstance(t, Tally)]
    assert sum(t.tried for t in tallies) > 50 and all(t.tried for t in tallies)
