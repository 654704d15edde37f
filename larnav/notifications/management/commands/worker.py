"""python manage.py worker: run background jobs and the periodic schedule.

With the database backend (the default) this runs django-tasks-db's worker on
every queue; with LARNAV_TASKS_BACKEND=rq it runs an RQ worker (with its
scheduler, for deferred retries). In both cases a scheduler thread enqueues
the periodic jobs of larnav.notifications.schedule (outbox sweep every
minute, registration housekeeping and completion hourly, ...).

Stop it with SIGTERM or Ctrl+C: the job under way finishes first. Run as
many workers as you like; they never take the same job or the same message.
"""

from __future__ import annotations

import logging
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections, connections

from larnav.notifications import outbox, schedule

logger = logging.getLogger("larnav.worker")


class Scheduler(threading.Thread):
    def __init__(self, interval: float):
        super().__init__(name="larnav-scheduler", daemon=True)
        self.interval = interval
        self.stopped = threading.Event()

    def run(self):
        while not self.stopped.is_set():
            try:
                close_old_connections()
                names = schedule.enqueue_due()
                if names:
                    logger.info("Enqueued periodic jobs: %s", ", ".join(names))
            except Exception:
                logger.exception("The scheduler could not check the periodic jobs")
            finally:
                connections.close_all()
            self.stopped.wait(self.interval)

    def stop(self):
        self.stopped.set()


class Command(BaseCommand):
    help = "Run background jobs (e-mail delivery, reminders, housekeeping) until stopped."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true",
                            help="Enqueue the due periodic jobs, run every waiting job, then exit.")
        parser.add_argument("--interval", type=float, default=1.0,
                            help="Seconds to wait for new jobs when the queue is empty (default 1).")
        parser.add_argument("--schedule-interval", type=float, default=5.0,
                            help="Seconds between checks of the periodic schedule (default 5).")
        parser.add_argument("--no-schedule", action="store_true",
                            help="Do not run the periodic schedule in this worker.")
        parser.add_argument("--worker-id", default="", help="A unique id for this worker (default: host:pid).")

    def handle(self, *args, once, interval, schedule_interval, no_schedule, worker_id, **options):
        self._configure_logging(options["verbosity"])
        backend = settings.LARNAV_TASKS_BACKEND
        worker_id = (worker_id or outbox.default_worker_id())[:64]
        if backend == "immediate":
            raise CommandError("LARNAV_TASKS_BACKEND is 'immediate': jobs run at once in the web process, "
                               "there is nothing for a worker to do. Use 'database' or 'rq'.")
        if once:
            schedule.enqueue_due()
        scheduler = None
        if not once and not no_schedule:
            scheduler = Scheduler(schedule_interval)
            scheduler.start()
        logger.info("Worker %s started (%s backend)", worker_id, backend)
        try:
            if backend == "rq":
                self._run_rq(once, worker_id)
            else:
                self._run_database(once, interval, worker_id)
        finally:
            if scheduler is not None:
                scheduler.stop()
        logger.info("Worker %s stopped", worker_id)

    def _configure_logging(self, verbosity: int) -> None:
        level = logging.WARNING if verbosity == 0 else logging.INFO if verbosity == 1 else logging.DEBUG
        for name in ("larnav.worker", "larnav.notifications", "django_tasks_db", "django_tasks"):
            logging.getLogger(name).setLevel(level)

    def _run_database(self, once: bool, interval: float, worker_id: str) -> None:
        from django_tasks_db.management.commands.db_worker import Worker

        worker = Worker(queue_names=["*"], excluded_queue_names=[], interval=interval, batch=once,
                        backend_name="default", startup_delay=False, max_tasks=None, worker_id=worker_id)
        worker.configure_signals()
        try:
            worker.run()
        except SystemExit as stop:  # the worker leaves by sys.exit() on a signal
            if stop.code not in (0, None):
                raise

    def _run_rq(self, once: bool, worker_id: str) -> None:
        import django_rq
        from django_tasks_rq.backend import Job

        worker = django_rq.get_worker("default", job_class=Job, name=worker_id)
        worker.work(burst=once, with_scheduler=True)
