"""The base of every app's "the rules refuse this" exception."""

from django.utils.translation import gettext_lazy as _


class Refused(Exception):
    """An action the rules refuse: a stable ``code`` (for the API and the logs) and a ``message``
    for people, the class's own or one given when raised. Each app subclasses it once (e.g.
    ``RegistrationError``) and once more per reason."""

    code = "refused"
    message = _("The change could not be made.")

    def __init__(self, message=None):
        if message is not None:
            self.message = message
        super().__init__(str(self.message))
