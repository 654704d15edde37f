"""Why a newsletter action was refused, with a message for people."""

from django.utils.translation import gettext_lazy as _

from larnav.core.exceptions import Refused


class NewsletterError(Refused):
    code = "newsletter_error"
    message = _("The newsletter could not be changed.")


class NotEditable(NewsletterError):
    message = _("Only a draft can be changed. This newsletter is already scheduled or sent.")


class NoRecipients(NewsletterError):
    message = _("The chosen recipients include no address that may be sent to. Change the recipients first.")


class NotScheduled(NewsletterError):
    message = _("The newsletter is not scheduled (any more): sending may already have started.")


class NotRunning(NewsletterError):
    message = _("The newsletter is neither scheduled nor being sent, so there is nothing to stop.")


class InvalidLink(NewsletterError):
    message = _("The link is not valid. It may be old, or it was not copied whole.")


class ExpiredLink(NewsletterError):
    message = _("The link has expired. Subscribe again and you will get a new one.")


class AlreadyBlocked(NewsletterError):
    message = _("This address is already blocked.")
