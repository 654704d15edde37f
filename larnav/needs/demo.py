"""Demo needs inventories: last year's, closed and linked to the offer, and this year's, open.

``seed_needs(consortium, rng)`` adds "Behovsinventering 2026" (closed, nearly
every answer submitted, many needs answered by activities of the catalog) and
"Behovsinventering 2027" (open from two weeks ago for another month), where
the demo CKA of Huddinge has a draft, Täby has submitted and Södermalm has not
started, and the other members are in every state. The needs are modelled on
what the seeds describe: introductions for new staff, LSS and socialpsykiatri,
bemötande, AKK, documentation for case officers, networks for HSL staff, and
the focus area "arbetsliv och ekonomisk trygghet".

Idempotent: a campaign that exists is left as it is. The rows are written in
bulk (a few queries for the whole demo), the way real use leaves them.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from larnav.accounts.models import Role, RoleAssignment
from larnav.catalog.models import Activity, FocusArea
from larnav.people.models import Occupation

from . import services
from .models import Campaign, Event, NeedAnswer, NeedItem, Submission

S = Submission.Status

# Focus area name -> needs: (title, occupation codes, funktion, level, description).
NEEDS = {
    "Introduktion för nyanställda": [
        ("Introduktion för nyanställda stödassistenter", ["stodassistent"], "utforare", "grund",
         "Vi anställer många timvikarier inför sommaren och behöver en gemensam introduktion om LSS och bemötande."),
        ("Introduktion på lätt svenska", ["stodassistent", "personlig-assistent"], "utforare", "grund",
         "Många nyanställda har svenska som andraspråk."),
    ],
    "LSS": [
        ("LSS-lagstiftningen i praktiken", ["stodassistent", "stodpedagog"], "utforare", "grund",
         "Grundläggande kunskap om rättigheter och uppdraget enligt LSS."),
        ("Genomförandeplaner som används", ["stodpedagog", "arbetsledare"], "utforare", "fordjupning", ""),
        ("Stödpedagogens uppdrag", ["stodpedagog"], "utforare", "fordjupning_steg",
         "Våra stödpedagoger efterfrågar fördjupning i handledning av kollegor."),
    ],
    "Socialpsykiatri": [
        ("Psykisk ohälsa och återhämtning", ["boendestodjare"], "utforare", "grund", ""),
        ("Samsjuklighet: missbruk och psykisk ohälsa", ["boendestodjare", "kurator"], "utforare", "fordjupning",
         "Fler brukare med samsjuklighet i boendestödet."),
    ],
    "Delaktighet och inflytande": [
        ("Delaktighetsmodellen – fler samtalsledare", ["stodpedagog", "enhetschef"], "utforare", "fordjupning",
         "Två gruppbostäder vill börja med Delaktighetsmodellen under året."),
    ],
    "Kommunikation och AKK": [
        ("AKK i vardagen", ["stodassistent", "stodpedagog"], "utforare", "grund",
         "Bildstöd och tecken som stöd i daglig verksamhet."),
        ("Tecken som stöd för hela arbetsgruppen", ["aktivitetshandledare", "stodassistent"], "utforare", "bas", ""),
    ],
    "Dokumentation och handläggning": [
        ("Dokumentation enligt ICF", ["lss-handlaggare", "bistandshandlaggare"], "myndighet", "fordjupning",
         "Handläggarna behöver en gemensam struktur för utredningar."),
        ("Social dokumentation för baspersonal", ["stodassistent", "boendestodjare"], "utforare", "grund", ""),
        ("Barnrättsperspektivet i LSS-handläggning", ["lss-handlaggare"], "myndighet", "fordjupning", ""),
    ],
    "Bemötande och förhållningssätt": [
        ("Lågaffektivt bemötande", [], "utforare", "grund",
         "Problemskapande beteenden i flera av våra verksamheter."),
        ("Etik och makt i vardagen", ["stodassistent", "personlig-assistent"], "utforare", "grund", ""),
        ("Hot och våld – förebygga och hantera", [], "", "", ""),
    ],
    "Hälso- och sjukvård": [
        ("Nätverk för arbetsterapeuter och fysioterapeuter", ["arbetsterapeut", "fysioterapeut"], "hsl", "spets",
         "Erfarenhetsutbyte om förflyttningar och hjälpmedel."),
        ("Delegering av läkemedel", ["sjukskoterska", "underskoterska"], "hsl", "grund", ""),
        ("Åldrande med intellektuell funktionsnedsättning", ["sjukskoterska", "stodassistent"], "", "fordjupning", ""),
    ],
    "Arbetsliv och ekonomisk trygghet": [
        ("Från daglig verksamhet till arbete", ["aktivitetshandledare", "lss-handlaggare"], "", "fordjupning",
         "Fler deltagare i daglig verksamhet vill pröva praktik och arbete."),
        ("Samverkan med Arbetsförmedlingen", ["lss-handlaggare", "socialsekreterare"], "myndighet", "grund", ""),
    ],
    "Ledarskap och verksamhetsutveckling": [
        ("Ledarskap för nya enhetschefer", ["enhetschef"], "", "grund", ""),
        ("Kollegialt lärande på arbetsplatsen", ["arbetsledare", "utvecklingsledare"], "utforare", "fordjupning",
         "Kompetensombuden vill ha stöd i att leda lärande samtal."),
    ],
}

# (title, year, opens, deadline, closed, shares of submitted / draft).
LAST_YEAR = ("Behovsinventering 2026", 2026, date(2025, 9, 1), date(2025, 10, 31), True, (0.88, 0.06))
THIS_YEAR_TITLE = "Behovsinventering 2027"
# The demo users' municipalities: a draft, a submitted answer and one not started.
DEMO_STATES = {"0126": S.DRAFT, "0160": S.SUBMITTED, "Södermalm": S.NOT_STARTED}


def _at(day: date, rng: random.Random) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(rng.randint(8, 16), rng.randint(0, 59))))


def _state(submission, rng, shares, fixed_states) -> str:
    org = submission.organisation
    fixed = fixed_states.get(org.scb_code) or fixed_states.get(org.name)
    if fixed:
        return fixed
    r = rng.random()
    return S.SUBMITTED if r < shares[0] else S.DRAFT if r < shares[0] + shares[1] else S.NOT_STARTED


def _fill(campaign: Campaign, rng: random.Random, shares, answer_share: float, now: datetime,
          fixed_states=None) -> int:
    themes = {f.name: f for f in FocusArea.objects.filter(consortium=campaign.consortium, name__in=list(NEEDS))}
    if not themes:
        return 0
    occupations = Occupation.objects.in_bulk(field_name="code")
    contacts = {}
    for assignment in RoleAssignment.objects.filter(consortium=campaign.consortium, role=Role.CKA).select_related(
            "user").order_by("pk"):
        contacts.setdefault(assignment.organisation_id, assignment.user)
    submissions = list(campaign.submissions.select_related("organisation").order_by("organisation__name", "pk"))
    items, links, events, changed = [], [], [], []
    last_day = min(campaign.deadline, timezone.localdate(now))
    span = max((last_day - campaign.opens).days, 0)
    for submission in submissions:
        state = _state(submission, rng, shares, fixed_states or {})
        if state == S.NOT_STARTED:
            continue
        user = contacts.get(submission.organisation_id) or contacts.get(submission.organisation.municipality_id)
        started = _at(campaign.opens + timedelta(days=rng.randint(0, span)), rng)
        chosen = rng.sample(sorted(themes), k=min(len(themes), rng.randint(2, 5)))
        for theme_name in chosen:
            title, codes, funktion, level, description = rng.choice(NEEDS[theme_name])
            items.append((submission, NeedItem(
                consortium_id=campaign.consortium_id, submission=submission, title=title, theme=themes[theme_name],
                funktion=funktion, level=level, estimated_staff=rng.choice([4, 6, 8, 10, 12, 15, 20, 25, 30, 40, 60]),
                priority=rng.choices([1, 2, 3], weights=[4, 4, 2])[0], description=description,
                created_by=user, updated_by=user,
            ), [occupations[c] for c in codes if c in occupations]))
        submission.status = state
        events.append(Event(consortium_id=campaign.consortium_id, campaign=campaign, submission=submission,
                            kind=Event.Kind.STARTED, actor=user, at=started))
        if state == S.SUBMITTED:
            submission.submitted_by = user
            submission.submitted_at = min(started + timedelta(days=rng.randint(1, 20)), now)
            events.append(Event(consortium_id=campaign.consortium_id, campaign=campaign, submission=submission,
                                kind=Event.Kind.SUBMITTED, actor=user, at=submission.submitted_at,
                                note=f"{len(chosen)} behov"))
        changed.append(submission)
    NeedItem.objects.bulk_create([item for _s, item, _o in items], batch_size=500)
    through = NeedItem.target_occupations.through
    through.objects.bulk_create([through(needitem_id=item.pk, occupation_id=o.pk)
                                 for _s, item, occ in items for o in occ], batch_size=1000)
    Submission.objects.bulk_update(changed, ["status", "submitted_by", "submitted_at"], batch_size=500)
    Event.objects.bulk_create(events, batch_size=500)
    # Behov -> utbud: some submitted needs are answered by activities of the same focus area.
    offer: dict[int, list[int]] = {}
    for activity_id, theme_id in Activity.objects.filter(
            consortium=campaign.consortium, status=Activity.Status.PUBLISHED,
            focus_areas__in=list(themes.values())).values_list("pk", "focus_areas").order_by("pk"):
        offer.setdefault(theme_id, []).append(activity_id)
    coordinator = RoleAssignment.objects.filter(consortium=campaign.consortium, role=Role.SAMORDNARE).order_by(
        "pk").values_list("user_id", flat=True).first()
    for submission, item, _occupations in items:
        if submission.status == S.SUBMITTED and offer.get(item.theme_id) and rng.random() < answer_share:
            links.append(NeedAnswer(need=item, activity_id=rng.choice(offer[item.theme_id]),
                                    linked_by_id=coordinator))
    NeedAnswer.objects.bulk_create(links, ignore_conflicts=True)
    return len(items)


@transaction.atomic
def seed_needs(consortium, rng: random.Random, now=None) -> dict[str, int]:
    now = now or timezone.now()
    today = timezone.localdate(now)
    created = {"campaigns": 0, "needs": 0}
    title, year, opens, deadline, closed, shares = LAST_YEAR
    if not Campaign.objects.filter(consortium=consortium, title=title).exists():
        last = Campaign.objects.create(consortium=consortium, title=title, year=year, opens=opens, deadline=deadline,
                                       status=Campaign.Status.CLOSED if closed else Campaign.Status.OPEN,
                                       instructions="Ange era behov för 2026 per fokusområde.")
        services.sync_submissions(last)
        created["needs"] += _fill(last, rng, shares, 0.6, now)
        created["campaigns"] += 1
    if not Campaign.objects.filter(consortium=consortium, title=THIS_YEAR_TITLE).exists():
        current = Campaign.objects.create(
            consortium=consortium, title=THIS_YEAR_TITLE, year=2027, opens=today - timedelta(days=14),
            deadline=today + timedelta(days=30), reminder_days=7,
            instructions="Samla behoven från verksamheterna i er kommun eller stadsdel: utförare, myndighet och "
                         "HSL. Ange ett behov per rad, med ungefär hur många medarbetare det gäller och hur "
                         "viktigt det är (1 = högst).",
        )
        services.sync_submissions(current)
        created["needs"] += _fill(current, rng, (0.4, 0.3), 0.3, now, DEMO_STATES)
        created["campaigns"] += 1
    created["total_campaigns"] = Campaign.objects.filter(consortium=consortium).count()
    return created
