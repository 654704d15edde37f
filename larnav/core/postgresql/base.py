"""Django's PostgreSQL backend with a health check that costs no round trip while the server is quiet.

With ``CONN_HEALTH_CHECKS`` Django checks a persistent connection before
the first query of each request by running ``SELECT 1``: one more round
trip to the server per request (one in twelve of an API registration's).
Here the check first looks at the connection's socket, without waiting: a
server that has gone away (restarted, the backend terminated, the network
cut) has left the end of the stream or an error message there, and a
healthy idle connection has nothing to read. Only when something is there,
or psycopg already knows the connection is broken or not idle, does the
usual ``SELECT 1`` decide. A connection that breaks while the socket looks
quiet fails its first query, as it would right after a successful
``SELECT 1``; Django then closes it at the end of the request.

Selected by ``larnav.settings`` for ``postgres://`` URLs; ``vendor`` and
everything else are Django's.
"""

import select

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def close_if_health_check_failed(self):
        if (self.connection is not None and self.health_check_enabled and not self.health_check_done
                and not self.pool and self._looks_healthy()):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def _looks_healthy(self) -> bool:
        """The connection is open, idle, and nothing is waiting to be read on its socket."""
        from psycopg.pq import ConnStatus, TransactionStatus

        raw = self.connection
        try:
            pgconn = raw.pgconn
            if raw.closed or raw.broken or pgconn.status != ConnStatus.OK or \
                    pgconn.transaction_status != TransactionStatus.IDLE:
                return False
            readable, _, _ = select.select([pgconn.socket], [], [], 0)
        except Exception:  # noqa: BLE001 - any doubt: let the round trip decide
            return False
        return not readable
