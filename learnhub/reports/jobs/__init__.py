"""Export jobs (issue 13): an export over the threshold is written by a Celery worker to a file
under the instance folder, with its progress, SHA-256 checksum and expiry, and downloaded by
the person who asked for it (or HR).

- :mod:`.catalogue`: the four reports, the filters each takes, who may export what;
- :mod:`.models`: the ``export_jobs`` table;
- :mod:`.services`: create, run (idempotent by job id), find, expire;
- :mod:`.tasks`: the thin Celery tasks ``reports.run_export`` and
  ``reports.delete_expired_exports``;
- :mod:`.api`: ``/api/v1/exports/jobs``.
"""
