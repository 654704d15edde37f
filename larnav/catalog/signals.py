"""Signals the catalog sends so that the registration rules can react without
the catalog depending on them.

* ``seats_may_have_freed(session_id)``: after a session's capacity or quotas
  were saved. Receivers fill free seats from the waiting list, inside the same
  transaction and under the session's row lock.
* ``session_cancelled(session_id, actor)``: after a session was cancelled.
  Receivers cancel its registrations and tell everyone.
* ``session_changed(session_id)``: after a saved change that calendars show
  (time, place, title: the session's SEQUENCE was raised). Receivers tell
  those with a seat and update their calendar invitations.
* ``occasions_removed(session_id)``: after occasions of a session were deleted
  (with any attendance taken on them). Receivers bring what they derive from
  attendance up to date, inside the same transaction.
"""

from django.dispatch import Signal

seats_may_have_freed = Signal()
session_cancelled = Signal()
session_changed = Signal()
occasions_removed = Signal()
