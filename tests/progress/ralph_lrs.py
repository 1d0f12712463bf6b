"""The ralph LRS app as the tests run it (``uvicorn tests.progress.ralph_lrs:app``).

One change to ralph: its filesystem backend writes each POST with the "create" operation,
which refuses to write once its statements file exists, so that LRS could accept only one
batch in its life. Here it appends, as a database-backed ralph LRS keeps adding statements.
Everything the tests rely on stays ralph's own: the xAPI API, its statement validation, and
its answer to a statement id it already holds (200/204 with nothing stored).
"""

from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend

FSLRSBackend.default_operation_type = BaseOperationType.APPEND

from ralph.api import app  # noqa: E402  (after the backend's default is set)

__all__ = ["app"]
