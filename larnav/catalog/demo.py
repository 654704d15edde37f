"""The demo catalog: a Forum Carpe-like offer over 2026 and 2027.

``seed_catalog(consortium, rng)`` adds about 150 activities and 400 sessions
modelled on the seeds' offer: introductions for new staff, LSS and
socialpsykiatri, Delaktighetsmodellen, bemötande, AKK, documentation,
lågaffektivt bemötande, networks for occupational therapists,
physiotherapists and nurses, credit-bearing university courses, and
seminars on the year's focus area "arbetsliv och ekonomisk trygghet".

It is deterministic and idempotent: the whole plan is drawn from ``rng``
before anything is written, activities are keyed on their title, sessions on
a UUID derived from the consortium and the plan, and what already exists is
left alone. Sessions before today are completed, a few are cancelled, some
are digital (Teams) and some are local sessions of a municipality. Everything
goes through the catalog services, so search text, SEQUENCE and the
denormalised dates are what the product would store. The places are real
town halls and venues in Stockholms län; the links are made up.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from larnav.accounts.models import Role, RoleAssignment, User
from larnav.organisations.models import Organisation
from larnav.people.models import Occupation, Person

from . import services
from .models import Activity, FocusArea, InterestRegistration, Session
from .selectors import STOCKHOLM, has_open_session

NAMESPACE = uuid.UUID("6f1c1c52-7b0e-4a57-9d43-3b0c2f5d0e11")
FIRST_DAY = date(2026, 1, 12)
LAST_DAY = date(2027, 12, 10)

FOCUS_AREAS = [
    ("LSS", 10), ("Socialpsykiatri", 20), ("Delaktighet och inflytande", 30), ("Kommunikation och AKK", 40),
    ("Dokumentation och handläggning", 50), ("Bemötande och förhållningssätt", 60), ("Hälso- och sjukvård", 70),
    ("Arbetsliv och ekonomisk trygghet", 80), ("Ledarskap och verksamhetsutveckling", 90),
    ("Introduktion för nyanställda", 100),
]

# (venue, address, municipality name) – town halls and venues in Stockholms län.
PLACES = [
    ("Münchenbryggeriet, Konferens", "Torkel Knutssonsgatan 2, 118 25 Stockholm", "Stockholm"),
    ("Spårvagnshallarna", "Birger Jarlsgatan 57 A, 113 56 Stockholm", "Stockholm"),
    ("Kulturhuset Stadsteatern, Hörsalen", "Sergels torg 9, 111 57 Stockholm", "Stockholm"),
    ("Huddinge kommunhus, sal Kvarnen", "Kommunalvägen 28, 141 85 Huddinge", "Huddinge"),
    ("Täby kommunhus, Tibblesalen", "Esplanaden 3, 183 80 Täby", "Täby"),
    ("Nacka stadshus, sal Älgö", "Granitvägen 15, 131 81 Nacka", "Nacka"),
    ("Södertälje stadshus, Wendelasalen", "Campusgatan 26, 151 89 Södertälje", "Södertälje"),
    ("Solna stadshus, Råsunda-salen", "Stadshusgången 2, 171 86 Solna", "Solna"),
    ("Sollentuna kommunhus, Turebergssalen", "Turebergs allé 2, 191 86 Sollentuna", "Sollentuna"),
    ("Järfälla kommunhus, Riddarsalen", "Riddarplatsen 5, 177 30 Järfälla", "Järfälla"),
    ("Botkyrka kommunhus, Tumbasalen", "Munkhättevägen 45, 147 85 Tumba", "Botkyrka"),
    ("Haninge kommunhus, Poseidon", "Rudsjöterrassen 2, 136 81 Haninge", "Haninge"),
    ("Sundbybergs stadshus, Sundbybergssalen", "Östra Madenvägen 4, 172 92 Sundbyberg", "Sundbyberg"),
]

TEAMS = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_{code}%40thread.v2/0"

PROVIDERS = ["Ersta Sköndal Bräcke högskola", "Stockholms universitet", "Hela Människan Utbildning AB",
             "Pedagogisk Inspiration AB", "Autism- och Aspergerförbundet", "FUB Utbildning",
             "Studieförbundet Vuxenskolan", "Nationellt kompetenscentrum anhöriga"]

# Kinds of activity: type, seats, hours per occasion, occasions per session, days between occasions,
# sessions over the two years, start times.
KINDS = {
    "kurs": dict(type=Activity.Type.KURS, seats=(20, 30), occasions=(2, 3), gap=7, sessions=(2, 4),
                 times=[(time(9), time(16)), (time(9), time(12)), (time(13), time(16))]),
    "dag": dict(type=Activity.Type.KURS, seats=(20, 35), occasions=(1, 1), gap=0, sessions=(2, 5),
                times=[(time(9), time(16)), (time(8, 30), time(15, 30))]),
    "forelasning": dict(type=Activity.Type.FORELASNING, seats=(60, 150), occasions=(1, 1), gap=0, sessions=(1, 3),
                        times=[(time(13), time(15, 30)), (time(9), time(11, 30))]),
    "seminarium": dict(type=Activity.Type.SEMINARIUM, seats=(40, 120), occasions=(1, 1), gap=0, sessions=(1, 3),
                       times=[(time(13), time(16)), (time(9), time(12))]),
    "webbinarium": dict(type=Activity.Type.WEBBINARIUM, seats=(100, 300), occasions=(1, 1), gap=0,
                        sessions=(2, 4), times=[(time(10), time(11)), (time(14), time(15, 30))]),
    "natverk": dict(type=Activity.Type.NATVERKSTRAFF, seats=(15, 30), occasions=(3, 4), gap=42, sessions=(3, 4),
                    times=[(time(9), time(11, 30)), (time(13, 30), time(16))]),
    "cirkel": dict(type=Activity.Type.STUDIECIRKEL, seats=(8, 12), occasions=(6, 6), gap=14, sessions=(2, 3),
                   times=[(time(13), time(15)), (time(9, 30), time(11, 30))]),
    "konferens": dict(type=Activity.Type.KONFERENS, seats=(200, 300), occasions=(1, 2), gap=1, sessions=(2, 2),
                      times=[(time(9), time(16, 30))]),
    "hogskola": dict(type=Activity.Type.POANGGIVANDE, seats=(30, 35), occasions=(8, 10), gap=7, sessions=(2, 2),
                     times=[(time(9), time(16))]),
}

# (title, kind, level, focus areas, occupations, provider, price, hours, description)
THEMES = [
    ("Introduktion för nyanställda inom LSS", "kurs", "grund", ["Introduktion för nyanställda", "LSS"],
     ["stodassistent", "personlig-assistent", "boendehandledare"], None, 0, 12,
     "För dig som är ny i LSS-verksamhet: lagstiftningen, uppdraget, bemötande och dokumentation."),
    ("Introduktion för nyanställda inom socialpsykiatrin", "kurs", "grund",
     ["Introduktion för nyanställda", "Socialpsykiatri"], ["boendestodjare", "stodassistent"], None, 0, 12,
     "Grundläggande kunskap om psykisk ohälsa, återhämtning och stöd i vardagen."),
    ("Delaktighetsmodellen – utbildning för samtalsledare", "kurs", "fordjupning",
     ["Delaktighet och inflytande"], ["stodpedagog", "enhetschef", "arbetsledare"], None, 1200, 18,
     "Delaktighetsmodellen är ett verktyg för att öka delaktigheten för personer med funktionsnedsättning. "
     "Utbildningen ger dig behörighet att leda samtalsgrupper på din arbetsplats."),
    ("Delaktighetsmodellen – nätverk för samtalsledare", "natverk", "fordjupning", ["Delaktighet och inflytande"],
     ["stodpedagog"], None, 0, 2, "Erfarenhetsutbyte för utbildade samtalsledare i Delaktighetsmodellen."),
    ("Bemötande och förhållningssätt", "dag", "grund", ["Bemötande och förhållningssätt"], [], None, 600, 6,
     "Om makt, etik och respekt i mötet med den du ger stöd till."),
    ("Lågaffektivt bemötande", "kurs", "grund", ["Bemötande och förhållningssätt", "LSS"], [],
     "Pedagogisk Inspiration AB", 1800, 12,
     "Metoder för att förebygga och hantera problemskapande beteenden utan konfrontation."),
    ("Lågaffektivt bemötande – fördjupning", "kurs", "fordjupning", ["Bemötande och förhållningssätt", "LSS"],
     ["stodpedagog", "arbetsledare"], "Pedagogisk Inspiration AB", 2400, 12,
     "För dig som har gått grundkursen: handledning av kollegor och arbete med beteendeanalys."),
    ("AKK – alternativ och kompletterande kommunikation", "kurs", "grund", ["Kommunikation och AKK"], [],
     None, 900, 9, "Bildstöd, tecken som stöd och samtalsmatta: kommunikation för den som har svårt att tala."),
    ("AKK i vardagen", "cirkel", "fordjupning", ["Kommunikation och AKK"], ["stodassistent", "stodpedagog"],
     None, 0, 12, "En studiecirkel där arbetsgruppen tar fram kommunikationsstöd för sin egen verksamhet."),
    ("Tecken som stöd (TAKK)", "kurs", "grund", ["Kommunikation och AKK"], [], "FUB Utbildning", 1500, 12,
     "Grundkurs i tecken som alternativ och kompletterande kommunikation."),
    ("Social dokumentation i utförarverksamhet", "dag", "grund", ["Dokumentation och handläggning"],
     ["stodassistent", "boendestodjare", "stodpedagog"], None, 0, 6,
     "Vad ska dokumenteras, hur och varför? Genomförandeplan och journalföring enligt SoL och LSS."),
    ("Dokumentation för LSS-handläggare", "kurs", "fordjupning", ["Dokumentation och handläggning", "LSS"],
     ["lss-handlaggare", "bistandshandlaggare"], None, 1200, 12,
     "Utredning, bedömning och beslut: dokumentation som håller i domstol."),
    ("Genomförandeplan i praktiken", "dag", "grund", ["Dokumentation och handläggning", "Delaktighet och inflytande"],
     [], None, 0, 6, "Hur den enskilde görs delaktig i planeringen av sitt stöd."),
    ("Autism – grundkurs", "kurs", "grund", ["LSS"], [], "Autism- och Aspergerförbundet", 1500, 12,
     "Om autism, perception och tydliggörande pedagogik."),
    ("Neuropsykiatriska funktionsnedsättningar (NPF)", "forelasning", "grund", ["LSS", "Socialpsykiatri"], [],
     None, 0, 3, "ADHD, autism och andra NPF: vad innebär de i vardagen?"),
    ("Tydliggörande pedagogik", "kurs", "fordjupning", ["LSS", "Kommunikation och AKK"], ["stodpedagog"],
     None, 1200, 12, "Struktur, förutsägbarhet och visuellt stöd för ökad självständighet."),
    ("Psykisk ohälsa hos personer med intellektuell funktionsnedsättning", "seminarium", "fordjupning",
     ["LSS", "Socialpsykiatri"], [], None, 0, 3, "Att känna igen och möta psykisk ohälsa när orden inte räcker."),
    ("Återhämtning och recovery", "kurs", "grund", ["Socialpsykiatri"], ["boendestodjare"], None, 0, 9,
     "Återhämtningsinriktat arbetssätt i socialpsykiatrin."),
    ("Motiverande samtal (MI)", "kurs", "grund", ["Socialpsykiatri", "Bemötande och förhållningssätt"], [],
     "Hela Människan Utbildning AB", 2500, 18, "Samtalsmetod för att stärka motivation till förändring."),
    ("Motiverande samtal (MI) – fördjupning", "kurs", "fordjupning", ["Socialpsykiatri"], [],
     "Hela Människan Utbildning AB", 2500, 12, "Kodning, feedback och fortsatt träning i MI."),
    ("Brukarinflytande i socialpsykiatrin", "seminarium", "grund", ["Socialpsykiatri", "Delaktighet och inflytande"],
     [], None, 0, 3, "Brukarrevision, brukarråd och inflytande på riktigt."),
    ("Samordnad individuell plan (SIP)", "dag", "grund", ["Dokumentation och handläggning", "Hälso- och sjukvård"],
     [], None, 0, 6, "Samverkan mellan kommun och region kring den enskildes behov."),
    ("Läkemedelshantering för baspersonal", "dag", "grund", ["Hälso- och sjukvård"],
     ["stodassistent", "boendestodjare", "underskoterska"], None, 0, 4,
     "Delegering, egenvård och säker läkemedelshantering."),
    ("Våld i nära relationer och funktionsnedsättning", "seminarium", "fordjupning", ["Bemötande och förhållningssätt"],
     [], None, 0, 3, "Att upptäcka, fråga och agera när någon utsätts för våld."),
    ("Sexualitet och relationer", "dag", "grund", ["LSS", "Bemötande och förhållningssätt"], [], None, 0, 6,
     "Rätten till kärlek, relationer och ett eget sexliv."),
    ("Åldrande och demens vid intellektuell funktionsnedsättning", "seminarium", "fordjupning",
     ["LSS", "Hälso- och sjukvård"], [], None, 0, 3, "Tidiga tecken, utredning och anpassning av stödet."),
    ("Etik i vardagen", "cirkel", "grund", ["Bemötande och förhållningssätt"], [], None, 0, 12,
     "Studiecirkel om vardagens etiska dilemman, med samtalsledare från den egna arbetsplatsen."),
    ("Lagstiftningen: LSS, SoL och HSL", "forelasning", "grund", ["LSS", "Dokumentation och handläggning"], [], None,
     0, 3, "Genomgång av lagarna som styr verksamheten och vad de betyder i vardagen."),
    ("Evidensbaserad praktik i vardagen", "forelasning", "fordjupning", ["Ledarskap och verksamhetsutveckling"],
     ["enhetschef", "utvecklingsledare"], None, 0, 3, "Bästa tillgängliga kunskap, brukarens erfarenhet och "
     "professionens kunnande."),
    ("Kollegialt lärande och arbetsplatslärande", "kurs", "fordjupning", ["Ledarskap och verksamhetsutveckling"],
     ["enhetschef", "arbetsledare", "stodpedagog"], None, 0, 9, "Metoder för att lära av och med varandra."),
    ("Ledarskap inom funktionshinderområdet", "kurs", "fordjupning", ["Ledarskap och verksamhetsutveckling"],
     ["enhetschef", "verksamhetschef", "arbetsledare"], None, 3500, 24,
     "För chefer och arbetsledare: leda verksamhet med kvalitet och delaktighet."),
    ("Handledning för stödpedagoger", "natverk", "fordjupning", ["Ledarskap och verksamhetsutveckling", "LSS"],
     ["stodpedagog"], None, 0, 2, "Grupphandledning och erfarenhetsutbyte för stödpedagoger."),
    ("Nätverk för arbetsterapeuter", "natverk", "fordjupning", ["Hälso- och sjukvård"], ["arbetsterapeut"], None, 0,
     2, "Länsnätverk för arbetsterapeuter i kommunal hälso- och sjukvård."),
    ("Nätverk för fysioterapeuter", "natverk", "fordjupning", ["Hälso- och sjukvård"], ["fysioterapeut"], None, 0, 2,
     "Länsnätverk för fysioterapeuter i kommunal hälso- och sjukvård."),
    ("Nätverk för sjuksköterskor", "natverk", "fordjupning", ["Hälso- och sjukvård"], ["sjukskoterska"], None, 0, 2,
     "Länsnätverk för sjuksköterskor inom LSS och socialpsykiatri."),
    ("Nätverk för LSS-handläggare", "natverk", "fordjupning", ["Dokumentation och handläggning", "LSS"],
     ["lss-handlaggare"], None, 0, 2, "Aktuella domar, praxis och erfarenhetsutbyte."),
    ("Nätverk för kompetensombud", "natverk", "grund", ["Ledarskap och verksamhetsutveckling"], [], None, 0, 2,
     "Om utbudet, arbetsplatslärande och hur du sprider kunskap på din arbetsplats."),
    ("Socialpsykiatri, 7,5 hp", "hogskola", "fordjupning", ["Socialpsykiatri"], ["boendestodjare", "stodpedagog"],
     "Ersta Sköndal Bräcke högskola", 4500, 200, "Högskolekurs på grundnivå om psykisk ohälsa, "
     "samhällets stöd och återhämtning. Kursen ger 7,5 högskolepoäng."),
    ("Funktionshinder och samhälle, 7,5 hp", "hogskola", "fordjupning", ["LSS", "Delaktighet och inflytande"],
     ["stodpedagog", "lss-handlaggare"], "Stockholms universitet", 4500, 200,
     "Högskolekurs om funktionshinderperspektiv, rättigheter och delaktighet. 7,5 högskolepoäng."),
    ("Specialpedagogik för stödpersonal, 100 gymnasiepoäng", "hogskola", "fordjupning", ["LSS"], ["stodassistent"],
     "Studieförbundet Vuxenskolan", 3000, 100, "Gymnasiekurs för dig som vill bli stödpedagog."),
    ("Från daglig verksamhet till arbete", "seminarium", "grund", ["Arbetsliv och ekonomisk trygghet"], [], None, 0,
     3, "Fokusområdet arbetsliv och ekonomisk trygghet: vägar från daglig verksamhet eller sysselsättning "
     "mot arbete eller studier."),
    ("Supported employment och IPS", "seminarium", "fordjupning", ["Arbetsliv och ekonomisk trygghet",
                                                                   "Socialpsykiatri"],
     [], None, 0, 3, "Individanpassat stöd till arbete: metod, forskning och lärande exempel från länet."),
    ("Ekonomisk trygghet – god man, förvaltare och budget", "seminarium", "grund",
     ["Arbetsliv och ekonomisk trygghet"], ["boendestodjare", "lss-handlaggare"], None, 0, 3,
     "Om ekonomiskt stöd, ställföreträdarskap och hur stödpersonal kan hjälpa till med budget."),
    ("Studier på folkhögskola efter gymnasiesärskolan", "webbinarium", "grund", ["Arbetsliv och ekonomisk trygghet"],
     [], None, 0, 1, "Vilka vägar finns till studier efter gymnasiesärskolan?"),
    ("Lönebidrag och praktik – så fungerar det", "webbinarium", "grund", ["Arbetsliv och ekonomisk trygghet"], [],
     None, 0, 1, "Arbetsförmedlingens insatser och hur daglig verksamhet kan samverka med dem."),
    ("Länskonferens: Delaktighet på riktigt", "konferens", "", ["Delaktighet och inflytande"], [], None, 800, 12,
     "Forum Carpes årliga länskonferens med föreläsningar, workshoppar och lärande exempel."),
    ("Anhörigperspektiv i LSS och socialpsykiatri", "webbinarium", "grund", ["Bemötande och förhållningssätt"], [],
     "Nationellt kompetenscentrum anhöriga", 0, 1, "Om samverkan med anhöriga och stöd till dem."),
    ("Digitala verktyg i vardagsstödet", "webbinarium", "grund", ["Kommunikation och AKK"], [], None, 0, 1,
     "Appar och välfärdsteknik som ökar självständigheten."),
    ("Hot och våld i arbetet – förebygga och hantera", "dag", "grund", ["Bemötande och förhållningssätt"], [], None,
     800, 6, "Riskbedömning, bemötande och stöd efter en händelse."),
    ("Suicidprevention i socialpsykiatrin", "dag", "fordjupning", ["Socialpsykiatri", "Hälso- och sjukvård"], [],
     None, 0, 6, "Att fråga om självmordstankar och veta vad man gör sedan."),
]

# Variants that make one theme into several activities in the catalog.
VARIANTS = [
    ("", None),
    (" – för stödassistenter", "stodassistent"),
    (" – på lättare svenska", None),
    (" – för boendestödjare", "boendestodjare"),
    (" – för chefer och arbetsledare", "enhetschef"),
]

LOCAL_OWNERS = ["Huddinge", "Täby", "Nacka", "Södertälje", "Botkyrka"]


@dataclass
class PlannedSession:
    key: str
    days: list[date]
    start: time
    end: time
    capacity: int
    place: tuple[str, str, str] | None
    digital: str = ""
    owner: str | None = None
    local_only: bool = False
    cancelled: bool = False
    with_trainer: bool = False
    approval: bool = False


@dataclass
class PlannedActivity:
    title: str
    kind: str
    level: str
    focus: list[str]
    occupations: list[str]
    provider: str | None
    provider_municipality: str | None
    price: int
    hours: int
    description: str
    language_notes: str = ""
    status: str = Activity.Status.PUBLISHED
    sessions: list[PlannedSession] = field(default_factory=list)
    interest: int = 0


def _weekday_on_or_after(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _avoid_holidays(day: date) -> date:
    # No sessions in July or between Christmas and Epiphany.
    if day.month == 7:
        day = date(day.year, 8, 10)
    if (day.month == 12 and day.day > 18) or (day.month == 1 and day.day < 8):
        day = date(day.year + (1 if day.month == 12 else 0), 1, 12)
    return _weekday_on_or_after(day)


def _session_days(first: date, count: int, gap: int) -> list[date]:
    """``count`` weekdays from ``first``, ``gap`` days apart (outside the holidays), none after LAST_DAY."""
    days = [first]
    for _i in range(count - 1):
        following = _weekday_on_or_after(days[-1] + timedelta(days=gap or 1))
        if gap > 1:
            following = _avoid_holidays(following)
        if following > LAST_DAY:
            break
        days.append(following)
    return days


def _registration_opens(first_day: date) -> datetime:
    """Registration opens per term: spring dates on 1 November before, autumn dates on 15 May."""
    day = date(first_day.year - 1, 11, 1) if first_day.month <= 6 else date(first_day.year, 5, 15)
    return services.local_datetime(day, time(9))


def make_plan(rng: random.Random, target_activities: int = 150) -> list[PlannedActivity]:
    """The demo catalog as data; drawn from ``rng`` only, so the same seed gives the same plan."""
    plan: list[PlannedActivity] = []
    span = (LAST_DAY - FIRST_DAY).days
    variant_rounds = 0
    while len(plan) < target_activities and variant_rounds < len(VARIANTS):
        suffix, occupation = VARIANTS[variant_rounds]
        for theme in THEMES:
            if len(plan) >= target_activities:
                break
            title, kind, level, focus, occupations, provider, price, hours, description = theme
            if variant_rounds and (kind in ("natverk", "hogskola", "konferens") or rng.random() < 0.25):
                continue
            occ = list(occupations)
            if occupation and occupation not in occ:
                occ = [occupation]
            language_notes = "Lättare svenska" if "lättare svenska" in suffix else ""
            provider_municipality = None
            if provider is None and rng.random() < 0.15:
                provider_municipality = rng.choice(LOCAL_OWNERS)
            plan.append(PlannedActivity(
                title=title + suffix, kind=kind, level=level, focus=focus, occupations=occ, provider=provider,
                provider_municipality=provider_municipality, price=price, hours=hours,
                description=description, language_notes=language_notes,
            ))
        variant_rounds += 1
    for index, activity in enumerate(plan):
        spec = KINDS[activity.kind]
        roll = rng.random()
        if roll < 0.05:
            activity.status = Activity.Status.DRAFT
            continue
        count = rng.randint(*spec["sessions"])
        if roll < 0.09:
            count = 0  # published, no dates yet: people register interest instead
            activity.interest = rng.randint(2, 9)
        for n in range(count):
            first = _avoid_holidays(FIRST_DAY + timedelta(days=int(span * (n + rng.random()) / max(count, 1))))
            occasions = rng.randint(*spec["occasions"])
            start, end = rng.choice(spec["times"])
            digital = activity.kind == "webbinarium" or rng.random() < 0.18
            place = None if digital and activity.kind == "webbinarium" else rng.choice(PLACES)
            if digital and place is not None and rng.random() < 0.6:
                place = None
            owner = None
            if activity.kind in ("kurs", "dag", "cirkel") and rng.random() < 0.08:
                owner = rng.choice(LOCAL_OWNERS)
                place = next(p for p in PLACES if p[2] == owner) if any(p[2] == owner for p in PLACES) else place
                digital = place is None
            activity.sessions.append(PlannedSession(
                key=f"{index}:{n}", days=_session_days(first, occasions, spec["gap"]), start=start, end=end,
                capacity=rng.randint(*spec["seats"]), place=place,
                digital=TEAMS.format(code=uuid.UUID(int=rng.getrandbits(128)).hex) if digital else "",
                owner=owner, local_only=owner is not None and rng.random() < 0.5,
                cancelled=rng.random() < 0.025, with_trainer=rng.random() < 0.15,
                approval=activity.kind in ("hogskola", "kurs") and rng.random() < 0.5,
            ))
    return plan


def _ensure_focus_areas(consortium) -> dict[str, FocusArea]:
    existing = {f.name: f for f in FocusArea.objects.filter(consortium=consortium)}
    for name, order in FOCUS_AREAS:
        if name not in existing:
            existing[name] = services.save_focus_area(FocusArea(consortium=consortium, name=name, sort_order=order))
    return existing


@transaction.atomic
def seed_catalog(consortium, rng: random.Random, now: datetime | None = None) -> dict[str, int]:
    """Create (once) the demo catalog of ``consortium``; returns counts of what is there afterwards."""
    now = now or timezone.now()
    plan = make_plan(rng)
    focus = _ensure_focus_areas(consortium)
    occupations = {o.code: o for o in Occupation.objects.all()}
    municipalities = {o.name: o for o in Organisation.objects.filter(consortium=consortium,
                                                                     type=Organisation.Type.KOMMUN)}
    trainer = User.objects.filter(
        consortium=consortium, pk__in=RoleAssignment.objects.filter(role=Role.UTBILDARE).values("user_id")
    ).order_by("username").first()
    existing_titles = {a.title: a for a in Activity.objects.filter(consortium=consortium)}
    existing_uids = set(Session.objects.filter(consortium=consortium).values_list("uid", flat=True))
    past_now = datetime(FIRST_DAY.year - 1, 12, 1, tzinfo=STOCKHOLM)
    new_sessions = []
    for planned in plan:
        activity = existing_titles.get(planned.title)
        if activity is None:
            provider_kind = Activity.ProviderKind.OWN
            provider_municipality = municipalities.get(planned.provider_municipality or "")
            if planned.provider:
                provider_kind = Activity.ProviderKind.PROCURED
            elif provider_municipality is not None:
                provider_kind = Activity.ProviderKind.MUNICIPALITY
            kind = KINDS[planned.kind]
            activity = Activity(
                consortium=consortium, type=kind["type"], title=planned.title, description=planned.description,
                level=planned.level, hours=Decimal(planned.hours), price=Decimal(planned.price),
                provider_kind=provider_kind, provider_name=planned.provider or "",
                provider_municipality=provider_municipality if provider_kind == "municipality" else None,
                language_notes=planned.language_notes, contact_name="Forum Carpes samordningsgrupp",
                contact_email=consortium.contact_email or "",
            )
            if kind["type"] == Activity.Type.POANGGIVANDE:
                if "gymnasiepoäng" in planned.title:
                    activity.credits, activity.credit_unit = Decimal("100"), Activity.CreditUnit.GYMNASIEPOANG
                else:
                    activity.credits, activity.credit_unit = Decimal("7.5"), Activity.CreditUnit.HOGSKOLEPOANG
            services.save_activity(activity, focus_areas=[focus[f] for f in planned.focus],
                                   target_occupations=[occupations[c] for c in planned.occupations if c in occupations])
            if planned.status == Activity.Status.PUBLISHED:
                services.set_activity_status(activity, Activity.Status.PUBLISHED, now=now)
        for ps in planned.sessions:
            uid = uuid.uuid5(NAMESPACE, f"{consortium.slug}/{planned.title}/{ps.key}")
            if uid in existing_uids:
                continue
            first_start = services.local_datetime(ps.days[0], ps.start)
            opens = _registration_opens(ps.days[0])
            closes = first_start - timedelta(days=7)
            session = Session(
                activity=activity, consortium=consortium, uid=uid, capacity=ps.capacity,
                status=Session.Status.OPEN if opens <= now else Session.Status.PLANNED, registration_opens=opens, registration_closes=closes,
                cancellation_deadline=first_start - timedelta(days=10), requires_approval=ps.approval,
                owner_municipality=municipalities.get(ps.owner or ""), local_staff_only=ps.local_only,
            )
            if session.owner_municipality is None:
                session.local_staff_only = False
            place = ps.place or ("", "", "")
            occasions = [services.OccasionInput(
                start=services.local_datetime(d, ps.start), end=services.local_datetime(d, ps.end),
                place=place[0], address=place[1], digital_link=ps.digital) for d in ps.days]
            services.save_session(session, occasions=occasions, trainers=[trainer] if ps.with_trainer and trainer
                                  else [], now=min(past_now, now))
            new_sessions.append((session, ps))
    services.complete_finished_sessions(consortium, now=now)
    for session, ps in new_sessions:
        if ps.cancelled:
            session.refresh_from_db()
            if session.status != Session.Status.COMPLETED:
                services.cancel_session(session, now=now)
    _seed_interest(consortium, plan, rng, now)
    return {
        "focus_areas": FocusArea.objects.filter(consortium=consortium).count(),
        "activities": Activity.objects.filter(consortium=consortium).count(),
        "sessions": Session.objects.filter(consortium=consortium).count(),
        "upcoming_sessions": Session.objects.filter(consortium=consortium, last_end__gte=now).exclude(
            status=Session.Status.CANCELLED).count(),
        "interest_registrations": InterestRegistration.objects.filter(consortium=consortium).count(),
    }


def _seed_interest(consortium, plan: list[PlannedActivity], rng: random.Random, now) -> None:
    """A few interest registrations from demo staff, for activities that have no dates yet."""
    persons = list(Person.objects.filter(consortium=consortium, is_active=True).order_by("email")[:400])
    wanted = [(p.title, p.interest) for p in plan if p.interest]
    picks = {title: rng.sample(range(len(persons)), min(n, len(persons))) if persons else []
             for title, n in wanted}
    for title, indexes in picks.items():
        activity = Activity.objects.filter(consortium=consortium, title=title,
                                           status=Activity.Status.PUBLISHED).first()
        if activity is None or has_open_session(activity, now):
            continue
        for i in indexes:
            services.register_interest(activity, person=persons[i], language=persons[i].language, now=now)
