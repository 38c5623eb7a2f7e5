"""Editors' actions as background jobs: one worker runs them in turn, and each job says how far it
has come in words the admin pages show."""

from __future__ import annotations

import datetime as dt
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from app.progress import progress_line, summary
from index.building.indexer import EMBEDDING, READING, FileResult, Progress
from index.storage import WriterBusy

JOBS_LOG = logging.getLogger("kb.jobs")  # a line when an editor's job starts and ends, the traceback when it fails


@dataclass
class Job:
    id: str
    kind: str  # upload | publish | reindex | retire | reinstate | mask
    label: str
    who: str
    total: int | None = None
    done: int = 0
    current: str = ""
    state: str = "queued"  # queued | running | done | failed
    message: str = ""
    link: str = ""  # where the result is: an upload's draft
    results: list[FileResult] = field(default_factory=list)
    windows: int = 0  # text windows embedded, named again in the summary
    started: str = field(default_factory=lambda: dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S"))

    def on_progress(self, step: Progress) -> None:
        """The page shows what the run does in words (app/progress.py) and a bar for the stage's count."""
        self.current = progress_line(step)
        self.done, self.total = (step.done, step.total) if step.stage in (READING, EMBEDDING) else (0, 0)
        if step.stage == EMBEDDING:
            self.windows = step.total

    def summary(self) -> str:
        return summary(self.results, self.windows)

    @property
    def active(self) -> bool:
        return self.state in ("queued", "running")


class Jobs:
    """The editor actions of this process, newest first; kept in memory, the audit log keeps the record.

    One worker runs them in the order they were asked for: the writer lock allows
    one change at a time, so a second action waits its turn instead of failing.
    """

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}  # in the order they were asked for
        self._lock = threading.Lock()
        self._queue: queue.SimpleQueue[tuple[Job, Callable[[Job], None]]] = queue.SimpleQueue()
        self._worker: threading.Thread | None = None

    def start(self, job: Job, work: Callable[[Job], None]) -> Job:
        with self._lock:
            self._jobs[job.id] = job
            self._queue.put((job, work))
            if self._worker is None:
                self._worker = threading.Thread(target=self._run, name="kb-admin-jobs", daemon=True)
                self._worker.start()
        return job

    def _run(self) -> None:
        while True:
            job, work = self._queue.get()
            job.state = "running"
            JOBS_LOG.info("job %s %s started by %s", job.id, job.kind, job.who)
            try:
                work(job)
                if job.state == "running":
                    job.state = "done"
                JOBS_LOG.info(
                    "job %s %s %s: %s", job.id, job.kind, job.state, job.summary() if job.results else job.message
                )
            except WriterBusy as exc:  # a `kb ingest` outside this server holds the lock
                job.state, job.message = "failed", str(exc)
                JOBS_LOG.warning("job %s %s failed: %s", job.id, job.kind, exc)
            except Exception as exc:  # shown to the editor instead of vanishing in a thread
                JOBS_LOG.exception("job %s %s failed", job.id, job.kind)
                job.state, job.message = "failed", f"Oväntat fel: {exc}"

    def ahead_of(self, job: Job) -> int:
        """How many jobs run or wait before this one."""
        with self._lock:
            order = list(self._jobs.values())
        return sum(1 for other in order[: order.index(job)] if other.active) if job.state == "queued" else 0

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def recent(self) -> list[Job]:
        return list(reversed(self._jobs.values()))[:50]
