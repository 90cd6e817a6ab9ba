"""Background tasks of imports (django-tasks: the database backend by default, run by ``homeward db_worker``).

A task carries a job's id only: never a file, a name or any other personal data.
"""

from __future__ import annotations

from django_tasks import task

from homeward.interop import services


@task()
def check_import(job_id: int) -> None:
    services.import_check(job_id)


@task()
def run_import(job_id: int) -> None:
    services.import_run(job_id)
