"""Django's PostgreSQL backend, with the persistent connection's health check made
only when the connection has been idle.

With CONN_HEALTH_CHECKS Django sends `SELECT 1` before the first query of every
request. A connection a worker thread finished a request with a moment ago is as
good as checked, and on a busy server that check was one round trip in four of a
small API call (`contacts/<id>.json`). So a connection used within the last
IDLE_BEFORE_CHECK seconds is taken as it is; one idle for longer (a quiet night, a
database restarted meanwhile) is checked as before. A connection that failed during
a request is still checked at the next one whatever its age (Django's
`errors_occurred`), so a database restarted between two busy requests costs each
worker thread one failed request at most, answered as the database being away.
"""

import time

from django.db.backends.postgresql import base

IDLE_BEFORE_CHECK = 1.0  # seconds


class DatabaseWrapper(base.DatabaseWrapper):
    last_request_at = None

    def close_if_unusable_or_obsolete(self):
        # Called as each request starts and as it finishes.
        super().close_if_unusable_or_obsolete()
        if self.connection is None:
            self.last_request_at = None
            return
        now = time.monotonic()
        if (
            self.last_request_at is not None
            and now - self.last_request_at < IDLE_BEFORE_CHECK
            and not self.health_check_done
        ):
            self.health_check_done = True
        self.last_request_at = now
