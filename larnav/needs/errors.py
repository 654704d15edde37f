"""Why a needs-inventory action was refused: one exception per reason, each with a message for people."""

from django.utils.translation import gettext_lazy as _

from larnav.core.exceptions import Refused


class NeedsError(Refused):
    code = "needs_error"
    message = _("The change could not be made.")


class NotAllowed(NeedsError):
    code = "not_allowed"
    message = _("You may not change this municipality's answers.")


class CampaignClosed(NeedsError):
    code = "campaign_closed"
    message = _("The needs inventory is closed: its answers can no longer be changed.")


class NotOpenYet(NeedsError):
    code = "not_open_yet"


class DeadlinePassed(NeedsError):
    code = "deadline_passed"


class AlreadySubmitted(NeedsError):
    code = "already_submitted"


class NotSubmitted(NeedsError):
    code = "not_submitted"
    message = _("The answers have not been submitted, so there is nothing to reopen.")


class NothingToSubmit(NeedsError):
    code = "nothing_to_submit"
    message = _("There are no needs to submit. Add at least one need, or confirm that you have none to "
                "report this time.")
