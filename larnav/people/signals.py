"""What the people app tells the rest of the product."""

from django.dispatch import Signal

# Sent with ``person_ids`` after the occupation or gender of these persons may have changed, in
# the transaction that changed them (larnav.registrations keeps its copies in step).
details_changed = Signal()
