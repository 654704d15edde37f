"""The demo's annual plan for 2026, after Forum Carpe's verksamhetsplan.

Its goals and indicators are the ones Forum Carpe's plans set: an effective
structure for the county's cooperation (attendance at CKA and steering-group
meetings, CKAs familiar with the work), every municipality and city district
taking part (share with participants, participants per municipality),
competence development of good quality (evaluation scores, attendance) and
case officers taking part more than last year. Meeting attendance and
evaluation scores are entered by hand: Lärnav has no governance meetings yet,
and the surveys are not in it yet.

Idempotent: a consortium that already has a plan for the year keeps it as it is.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from . import services
from .models import Goal, Indicator, Plan
from .status import Direction

YEAR = 2026

INTRODUCTION = (
    "Forum Carpe är en samverkan mellan Stockholms stad och kommunerna i Stockholms län. Syftet är att "
    "yrkesverksamma inom funktionshinderområdet ska erbjudas möjlighet att utveckla sin kompetens och att det "
    "ska leda till insatser av god kvalitet för personer i behov av stöd."
)

# (title, expected result, follow-up, [indicators]); an indicator is
# (name, metric or None for manual, target, unit, cumulative, [(month, day, value, comment)]).
GOALS = [
    (
        "Forum Carpe har en effektiv struktur för länssamverkan",
        "Kommunrepresentanterna – styrgruppsrepresentanter, CKA och kontaktpersoner – medverkar aktivt utifrån "
        "sina uppdrag och tydliggör kommunernas behov, som underlag för planeringen och prioriteringen av "
        "forumets gemensamma resurser.",
        "Följa upp deltagandet vid CKA- och styrgruppsmöten. Enkät i slutet av året till CKA om förtrogenheten "
        "med Forum Carpes verksamhet och rollen som CKA.",
        [
            ("Andel av de inbjudna som närvarat vid CKA-träffar och styrgruppsträffar", None, Decimal(80), "%",
             False, [(2, 12, Decimal("74"), "CKA-träffen i februari"),
                     (4, 23, Decimal("82"), "Styrgruppsmötet i april"),
                     (9, 18, Decimal("79"), "CKA-träffen i september")]),
            ("Andel CKA som i slutet av året känner sig förtrogna med Forum Carpes verksamhet", None,
             Decimal(90), "%", False, []),
        ],
    ),
    (
        "Alla kommuner och stadsdelsförvaltningar drar nytta av att ingå i samverkan",
        "Samtliga kommuner och stadsdelsförvaltningar deltar under året i någon del av utbudet, såsom nätverk, "
        "seminarier, kurser och konferenser.",
        "Statistik över deltagarantalet per kommun och stadsdelsförvaltning i varje tertial. Kontakt med dem "
        "som har lågt deltagarantal för att undersöka orsaken.",
        [
            ("Andel kommuner och stadsdelsförvaltningar med minst en deltagare",
             "members_and_districts_with_participants_share", Decimal(100), "", True, []),
            ("Antal deltagare på Forum Carpes aktiviteter, fördelat på kommun och stadsdelsförvaltning",
             "participants", Decimal(2500), "", True, []),
        ],
    ),
    (
        "Kompetensutvecklingen håller god kvalitet",
        "Deltagarna bedömer kurser, seminarier och nätverksträffar som värdefulla för arbetet, och de som "
        "anmäler sig kommer.",
        "Sammanställning av utvärderingarna av kompetensutvecklingsinsatserna (kvalitetsindikator), per tertial.",
        [
            ("Genomsnittligt betyg i kursutvärderingarna (skala 1–5)", None, Decimal("4.0"), "poäng", False,
             [(4, 30, Decimal("4.2"), "Sammanställning T1"), (8, 31, Decimal("4.1"), "Sammanställning T2")]),
            ("Andel anmälda som deltog", "attendance_share", Decimal(85), "", False, []),
        ],
    ),
    (
        "Handläggares deltagande ökar",
        "Fler LSS- och biståndshandläggare deltar i utbudet än förra året.",
        "Statistiken fångar antal, funktion och kommunfördelning; jämförelse med samma period förra året.",
        [
            ("Förändring i antalet deltagare från myndighetsenheter jämfört med förra året", "case_officer_change",
             Decimal(10), "", False, []),
        ],
    ),
]


@transaction.atomic
def seed_plan(consortium, year: int = YEAR, today: date | None = None) -> dict[str, int]:
    today = today or timezone.localdate()
    if Plan.objects.filter(consortium=consortium, year=year).exists():
        plan = Plan.objects.get(consortium=consortium, year=year)
        return {"goals": plan.goals.count(), "created": 0}
    plan = services.save_plan(Plan(consortium=consortium, year=year, title=f"Verksamhetsplan {year}",
                                   introduction=INTRODUCTION))
    for g, (title, expected, follow_up, indicators) in enumerate(GOALS, start=1):
        goal = services.save_goal(Goal(plan=plan, title=title, expected_result=expected, follow_up=follow_up,
                                       sort_order=g * 10))
        for i, (name, metric, target, unit, cumulative, values) in enumerate(indicators, start=1):
            indicator = services.save_indicator(Indicator(
                goal=goal, name=name, kind=Indicator.Kind.COMPUTED if metric else Indicator.Kind.MANUAL,
                metric=metric or "", target=target, direction=Direction.AT_LEAST, unit=unit,
                cumulative=cumulative, sort_order=i * 10))
            for month, day, value, comment in values:
                measured = date(year, month, day)
                if measured <= today:
                    services.add_value(indicator, value=value, measured_on=measured, comment=comment, today=today)
    return {"goals": len(GOALS), "created": 1}
