"""Why a survey action was refused: a stable code and a message for people."""

from django.utils.translation import gettext_lazy as _

from larnav.core.exceptions import Refused


class SurveyError(Refused):
    code = "survey_error"
    message = _("The survey could not be changed.")


class VersionFrozen(SurveyError):
    code = "version_frozen"
    message = _("This version has been taken into use and cannot change. Create a new version to edit it.")


class SurveyClosed(SurveyError):
    code = "survey_closed"
    message = _("The survey is closed: answers can no longer be given.")


class SurveyNotOpenYet(SurveyError):
    code = "survey_not_open"
    message = _("The survey has not opened yet.")


class AlreadyAnswered(SurveyError):
    code = "already_answered"
    message = _("You have already answered this survey. Thank you!")


class InvalidAnswers(SurveyError):
    """Answers that do not fit the survey: ``errors`` maps a field name to its message."""

    code = "invalid_answers"
    message = _("Some answers need your attention.")

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__()
