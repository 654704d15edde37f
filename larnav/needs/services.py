"""Every write to the needs inventory. Each is one transaction; the rules live here.

* A campaign takes answers from its opening day through its deadline (both
  inclusive, Stockholm time) while it is open. Before, after and when closed,
  every answer is read-only; the coordinator extends the deadline by editing it.
* Each participating organisation has exactly one submission per campaign
  (a unique constraint; created when the campaign is saved).
* The CKA of the organisation, and colleagues the CKA invited, add and change
  needs while the submission is not submitted. Only the CKA submits. A
  submitted answer is locked until the coordinator reopens it, with a reason
  that goes into its history.
* Writes to one submission lock its row first (``SELECT ... FOR UPDATE`` on
  PostgreSQL; SQLite serialises writers), so two clicks on "Submit" submit once.
* Reminders: ``send_reminders`` reminds the CKA of every submission that is not
  submitted once the deadline is within the campaign's ``reminder_days``, at
  most once a day per submission, however often it runs.

A broken rule raises ``ValidationError`` (field messages) or a ``NeedsError``
(why the action is refused).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from larnav.accounts.models import RoleAssignment, User
from larnav.accounts.permissions import Action, can
from larnav.catalog.models import Activity
from larnav.catalog.text import fold
from larnav.people.models import Person

from . import notifications, selectors
from .errors import (
    AlreadySubmitted,
    CampaignClosed,
    DeadlinePassed,
    NotAllowed,
    NothingToSubmit,
    NotOpenYet,
    NotSubmitted,
)
from .models import Campaign, Contributor, Event, NeedAnswer, NeedItem, Submission

S = Submission.Status
MAX_ITEMS_PER_SUBMISSION = 200
MAX_REASON = 500


def _date(value) -> str:
    return formats.date_format(value, "DATE_FORMAT")


def _event(campaign, kind, actor=None, submission=None, note="") -> Event:
    return Event.objects.create(
        consortium_id=campaign.consortium_id, campaign=campaign, submission=submission, kind=kind,
        actor=actor if getattr(actor, "pk", None) else None, note=str(note)[:500],
    )


def _merge(errors: dict, exc: ValidationError) -> None:
    for field, messages in (exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}).items():
        errors.setdefault(field, []).extend(messages)


# --- Campaigns --------------------------------------------------------------------

@transaction.atomic
def save_campaign(campaign: Campaign, *, user=None, today=None) -> Campaign:
    """Create or change a campaign; a new one gets a submission for every participating organisation."""
    today = today or timezone.localdate()
    is_new = campaign.pk is None
    old = None if is_new else Campaign.objects.select_for_update().get(pk=campaign.pk)
    errors: dict[str, list] = {}
    if is_new and campaign.deadline and campaign.deadline < today:
        errors.setdefault("deadline", []).append(_("The deadline cannot be in the past."))
    try:
        campaign.full_clean()
    except ValidationError as exc:
        _merge(errors, exc)
    if errors:
        raise ValidationError(errors)
    if is_new:
        campaign.created_by = user if getattr(user, "pk", None) else None
    campaign.save()
    if is_new:
        _event(campaign, Event.Kind.CAMPAIGN_CREATED, user)
    elif old.deadline != campaign.deadline:
        _event(campaign, Event.Kind.DEADLINE_CHANGED, user,
               note=f"{old.deadline.isoformat()} → {campaign.deadline.isoformat()}")
    elif any(getattr(old, f) != getattr(campaign, f) for f in ("title", "year", "instructions", "opens",
                                                                 "reminder_days")):
        _event(campaign, Event.Kind.CAMPAIGN_CHANGED, user)
    sync_submissions(campaign)
    return campaign


def sync_submissions(campaign: Campaign) -> int:
    """Give every participating organisation its submission; existing ones are kept as they are."""
    existing = set(campaign.submissions.values_list("organisation_id", flat=True))
    wanted = selectors.participant_organisations(campaign.consortium, campaign.opens).values_list("pk", flat=True)
    new = [Submission(consortium_id=campaign.consortium_id, campaign=campaign, organisation_id=pk)
           for pk in wanted if pk not in existing]
    Submission.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


@transaction.atomic
def set_campaign_status(campaign_id: int, status: str, *, user=None) -> Campaign:
    campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
    if status not in Campaign.Status.values or status == campaign.status:
        return campaign
    campaign.status = status
    campaign.save(update_fields=["status", "updated_at"])
    kind = Event.Kind.CAMPAIGN_CLOSED if status == Campaign.Status.CLOSED else Event.Kind.CAMPAIGN_REOPENED
    _event(campaign, kind, user)
    return campaign


# --- Who may change a submission ---------------------------------------------------------

def _lock_submission(submission_id: int) -> Submission:
    return Submission.objects.select_for_update().select_related("campaign", "organisation").get(pk=submission_id)


def check_open(campaign: Campaign, today=None) -> None:
    """Refuse any change of answers unless the campaign takes answers today."""
    phase = campaign.phase(today)
    if phase == Campaign.Phase.CLOSED:
        raise CampaignClosed()
    if phase == Campaign.Phase.UPCOMING:
        raise NotOpenYet(_("The needs inventory opens on %(date)s.") % {"date": _date(campaign.opens)})
    if phase == Campaign.Phase.PAST_DEADLINE:
        raise DeadlinePassed(_("The deadline was %(date)s: the answers can no longer be changed. Ask the "
                               "coordinators if you need more time.") % {"date": _date(campaign.deadline)})


def _already_submitted(submission: Submission) -> AlreadySubmitted:
    who = submission.submitted_by.display_name if submission.submitted_by else _("someone")
    when = formats.date_format(timezone.localtime(submission.submitted_at), "DATETIME_FORMAT")
    return AlreadySubmitted(_("The answers were submitted on %(when)s by %(who)s and are locked. The coordinators "
                              "can reopen them.") % {"when": when, "who": who})


def _check_editable(submission: Submission, user, today=None) -> selectors.SubmissionAccess:
    access = selectors.submission_access(user, submission)
    if not access.edit_items:
        raise NotAllowed()
    check_open(submission.campaign, today)
    if submission.is_submitted:
        raise _already_submitted(submission)
    return access


def _start(submission: Submission, user) -> None:
    if submission.status == S.NOT_STARTED:
        submission.status = S.DRAFT
        submission.save(update_fields=["status", "updated_at"])
        _event(submission.campaign, Event.Kind.STARTED, user, submission)


# --- Need items -------------------------------------------------------------------------

@transaction.atomic
def save_item(submission_id: int, item: NeedItem, *, target_occupations=(), user=None, today=None) -> NeedItem:
    """Add a need to a draft, or change one of its needs."""
    submission = _lock_submission(submission_id)
    _check_editable(submission, user, today)
    is_new = item.pk is None
    if not is_new and item.submission_id != submission.pk:
        raise NotAllowed()
    item.submission = submission
    item.consortium_id = submission.consortium_id
    errors: dict[str, list] = {}
    if item.theme_id and not selectors.themes(submission.consortium_id).filter(pk=item.theme_id).exists():
        errors.setdefault("theme", []).append(_("Choose one of the consortium's themes."))
    if any(not o.is_active for o in target_occupations):
        errors.setdefault("target_occupations", []).append(_("Choose occupations from the list."))
    siblings = submission.items.exclude(pk=item.pk)
    if is_new and siblings.count() >= MAX_ITEMS_PER_SUBMISSION:
        errors.setdefault("__all__", []).append(
            _("An answer can hold at most %(n)d needs.") % {"n": MAX_ITEMS_PER_SUBMISSION})
    same_theme = siblings.filter(theme_id=item.theme_id).values_list("title", flat=True) if item.theme_id else []
    if item.title and fold(item.title.strip()) in {fold(t) for t in same_theme}:
        errors.setdefault("title", []).append(_("This need is already in your answer, under the same theme."))
    item.title = (item.title or "").strip()
    try:
        item.full_clean(exclude=["submission", "consortium"])
    except ValidationError as exc:
        _merge(errors, exc)
    if errors:
        raise ValidationError(errors)
    if is_new:
        item.created_by = user if getattr(user, "pk", None) else None
    item.updated_by = user if getattr(user, "pk", None) else None
    item.save()
    item.target_occupations.set(list(target_occupations))
    _start(submission, user)
    Submission.objects.filter(pk=submission.pk).update(updated_at=timezone.now())
    return item


@transaction.atomic
def delete_item(item_id: int, *, user=None, today=None) -> None:
    item = NeedItem.objects.only("pk", "submission_id").get(pk=item_id)
    submission = _lock_submission(item.submission_id)
    _check_editable(submission, user, today)
    NeedItem.objects.filter(pk=item.pk).delete()


@transaction.atomic
def save_comment(submission_id: int, comment: str, *, user=None, today=None) -> Submission:
    submission = _lock_submission(submission_id)
    _check_editable(submission, user, today)
    submission.comment = (comment or "").strip()
    submission.full_clean(exclude=["campaign", "organisation", "consortium", "submitted_by"])
    submission.save(update_fields=["comment", "updated_at"])
    _start(submission, user)
    return submission


# --- Submitting and reopening -------------------------------------------------------------

@transaction.atomic
def submit(submission_id: int, *, user, confirm_empty: bool = False, today=None) -> Submission:
    """Submit an answer: only the organisation's CKA, once, while the campaign takes answers."""
    submission = _lock_submission(submission_id)
    if not can(user, Action.SUBMIT_NEEDS, submission.organisation):
        raise NotAllowed(_("Only the municipal contact (CKA) can submit the answers."))
    if submission.is_submitted:
        raise _already_submitted(submission)
    check_open(submission.campaign, today)
    count = submission.items.count()
    if count == 0 and not confirm_empty:
        raise NothingToSubmit()
    submission.status = S.SUBMITTED
    submission.submitted_by = user
    submission.submitted_at = timezone.now()
    submission.save(update_fields=["status", "submitted_by", "submitted_at", "updated_at"])
    _event(submission.campaign, Event.Kind.SUBMITTED, user, submission,
           note=_("%(n)d needs") % {"n": count} if count else _("No needs to report"))
    notifications.submitted(submission, [user])
    return submission


@transaction.atomic
def reopen(submission_id: int, *, user, reason: str) -> Submission:
    """The coordinator opens a submitted answer for changes again; the reason goes into its history."""
    submission = _lock_submission(submission_id)
    if not can(user, Action.MANAGE_NEEDS, submission.organisation):
        raise NotAllowed(_("Only the coordinators can reopen submitted answers."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the answers are reopened; the municipality is told.")})
    if len(reason) > MAX_REASON:
        raise ValidationError({"reason": _("Keep the reason under %(n)d characters.") % {"n": MAX_REASON}})
    if not submission.is_submitted:
        raise NotSubmitted()
    submission.status = S.DRAFT
    submission.submitted_by = None
    submission.submitted_at = None
    submission.save(update_fields=["status", "submitted_by", "submitted_at", "updated_at"])
    _event(submission.campaign, Event.Kind.REOPENED, user, submission, note=reason)
    notifications.reopened(submission, list(selectors.municipal_contacts(submission.organisation)), reason)
    return submission


# --- Colleagues ----------------------------------------------------------------------------

def colleague_for(organisation, email: str) -> User | None:
    """The user with this e-mail address who works in ``organisation`` (or below it), if any.

    A known person there who has never signed in gets a participant account, as
    a sign-in link would give them."""
    from larnav.accounts.services import user_for_email

    email = (email or "").strip().lower()
    if not email:
        return None
    consortium = organisation.consortium
    users = User.objects.filter(consortium=consortium, email__iexact=email, is_active=True).select_related(
        "person__workplace")
    for user in users:
        workplace = user.person.workplace if user.person_id else None
        if workplace is not None and workplace.path.startswith(organisation.path):
            return user
        if RoleAssignment.objects.filter(RoleAssignment.active_q(), user=user,
                                         organisation__path__startswith=organisation.path).exists():
            return user
    person = Person.objects.filter(consortium=consortium, email=email, is_active=True,
                                   workplace__path__startswith=organisation.path).first()
    if person is None:
        return None
    existing = User.objects.filter(person=person).first()
    if existing is not None:
        return existing if existing.is_active else None
    user = user_for_email(consortium, email)
    return user if user is not None and user.person_id == person.pk else None


@transaction.atomic
def invite_contributor(submission_id: int, email: str, *, user, today=None) -> Contributor:
    submission = _lock_submission(submission_id)
    if not can(user, Action.SUBMIT_NEEDS, submission.organisation):
        raise NotAllowed(_("Only the municipal contact (CKA) can invite colleagues."))
    check_open(submission.campaign, today)
    if submission.is_submitted:
        raise _already_submitted(submission)
    colleague = colleague_for(submission.organisation, email)
    if colleague is None:
        raise ValidationError({"email": _(
            "Nobody working in %(organisation)s has that e-mail address in Lärnav. Check the address, or "
            "ask the coordinators to add the person.") % {"organisation": submission.organisation.name}})
    if colleague.pk == user.pk or can(colleague, Action.SUBMIT_NEEDS, submission.organisation):
        raise ValidationError({"email": _("%(name)s is a municipal contact here and can already change the "
                                          "answers.") % {"name": colleague.display_name}})
    contributor, created = Contributor.objects.get_or_create(submission=submission, user=colleague,
                                                             defaults={"invited_by": user})
    if not created:
        raise ValidationError({"email": _("%(name)s is already invited.") % {"name": colleague.display_name}})
    _start(submission, user)
    _event(submission.campaign, Event.Kind.CONTRIBUTOR_INVITED, user, submission, note=colleague.display_name)
    notifications.contributor_invited(contributor)
    return contributor


@transaction.atomic
def remove_contributor(contributor_id: int, *, user) -> None:
    contributor = Contributor.objects.select_related("user").get(pk=contributor_id)
    submission = _lock_submission(contributor.submission_id)
    if not can(user, Action.SUBMIT_NEEDS, submission.organisation):
        raise NotAllowed(_("Only the municipal contact (CKA) can remove colleagues."))
    Contributor.objects.filter(pk=contributor.pk).delete()
    _event(submission.campaign, Event.Kind.CONTRIBUTOR_REMOVED, user, submission,
           note=contributor.user.display_name)


# --- Reminders -------------------------------------------------------------------------------

def due_for_reminder(campaign: Campaign, today) -> bool:
    return (campaign.accepts_answers(today) and campaign.reminder_days > 0
            and campaign.days_left(today) <= campaign.reminder_days)


def send_reminders(*, today=None, campaign: Campaign | None = None, actor=None) -> int:
    """Remind the CKA of every answer not yet submitted; return how many answers were reminded.

    Without ``campaign``: every open campaign whose deadline is within its
    ``reminder_days`` (the daily job). With it: that campaign now, if it takes
    answers (the coordinator's button). Either way an answer is reminded at most
    once a day: the day is claimed with a conditional update before any mail is queued.
    """
    today = today or timezone.localdate()
    if campaign is not None:
        campaigns = [campaign] if campaign.accepts_answers(today) else []
    else:
        candidates = Campaign.objects.filter(status=Campaign.Status.OPEN, opens__lte=today, deadline__gte=today)
        campaigns = [c for c in candidates if due_for_reminder(c, today)]
    not_today = Q(last_reminded_on__isnull=True) | Q(last_reminded_on__lt=today)
    reminded = 0
    for c in campaigns:
        pending = c.submissions.exclude(status=S.SUBMITTED).filter(not_today).select_related("organisation")
        for submission in pending.iterator(chunk_size=200):
            with transaction.atomic():
                claimed = Submission.objects.filter(not_today, pk=submission.pk).exclude(
                    status=S.SUBMITTED).update(last_reminded_on=today)
                if not claimed:
                    continue
                users = list(selectors.municipal_contacts(submission.organisation))
                note = ", ".join(u.display_name for u in users) if users else _("No municipal contact to remind")
                _event(c, Event.Kind.REMINDED, actor, submission, note=note)
                if users:
                    notifications.reminder(submission, users, today)
                    reminded += 1
    return reminded


# --- Behov -> utbud ------------------------------------------------------------------------

@transaction.atomic
def link_activities(need: NeedItem, activities, *, user=None) -> int:
    """Record that these activities answer ``need``; activities of another consortium are refused."""
    added = 0
    for activity in activities:
        if activity.consortium_id != need.consortium_id or activity.status == Activity.Status.ARCHIVED:
            raise ValidationError({"activities": _("Choose activities from the consortium's offer.")})
        _answer, created = NeedAnswer.objects.get_or_create(need=need, activity=activity,
                                                            defaults={"linked_by": user})
        added += created
    return added


@transaction.atomic
def unlink_activity(need: NeedItem, activity_id: int) -> bool:
    return NeedAnswer.objects.filter(need=need, activity_id=activity_id).delete()[0] > 0
