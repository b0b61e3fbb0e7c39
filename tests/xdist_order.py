"""`make test`'s scheduling (pytest -n auto --dist loadfile): a module's tests stay on one worker
(its module-scoped archives and clients are built once), and the modules are handed out longest
first: by the time each took in the last run on this machine (kept in pytest's cache), else by
tests/module_seconds.json (CPU seconds measured once, for a fresh clone), else most tests first
as xdist does. One heavy module started last would otherwise be a worker's tail while
the other worker idles. The order changes when tests run, never what they check."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from xdist.scheduler import LoadFileScheduling

KEY = "archive/module-seconds"
MEASURED = Path(__file__).with_name("module_seconds.json")


def module_of(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


class LongestFirst(LoadFileScheduling):
    """LoadFileScheduling with its work queue sorted by the modules' last known durations."""

    def __init__(self, config, log=None) -> None:
        super().__init__(config, log)
        cache = getattr(config, "cache", None)  # None with -p no:cacheprovider
        measured = json.loads(MEASURED.read_text(encoding="utf-8")) if MEASURED.is_file() else {}
        self.seconds: dict[str, float] = measured | (cache.get(KEY, {}) if cache is not None else {})
        self.ordered = False

    def _assign_work_unit(self, node) -> None:
        if not self.ordered:  # the first assignment: the queue is complete, nothing handed out yet
            self.ordered = True
            units = sorted(
                self.workqueue.items(), key=lambda unit: (-self.seconds.get(unit[0], 0.0), -len(unit[1]))
            )
            self.workqueue.clear()
            self.workqueue.update(units)
        super()._assign_work_unit(node)


class Durations:
    """A plugin of the controlling process: seconds per module summed from the workers' reports
    (setup, call, teardown), written to the cache at the end of a run that used workers (merged:
    a partial run updates only its own modules)."""

    def __init__(self, config) -> None:
        self.config = config
        self.seconds: defaultdict[str, float] = defaultdict(float)

    def pytest_runtest_logreport(self, report) -> None:
        self.seconds[module_of(report.nodeid)] += report.duration

    def pytest_sessionfinish(self, session) -> None:
        cache = getattr(self.config, "cache", None)
        if cache is not None and self.seconds and getattr(self.config.option, "numprocesses", None):
            cache.set(KEY, cache.get(KEY, {}) | {m: round(s, 2) for m, s in self.seconds.items()})
