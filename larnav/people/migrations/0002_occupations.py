"""Load the managed yrkesroll vocabulary.

The list is frozen here on purpose: a migration must keep doing what it did
when it was written, whatever later code says. Later changes to the
vocabulary get their own migrations.
"""

from django.db import migrations

# (code, name_sv, name_en, sort_order)
OCCUPATIONS = [
    # Direct support and care work.
    ("stodassistent", "Stödassistent", "Support assistant", 10),
    ("stodpedagog", "Stödpedagog", "Support educator", 20),
    ("boendestodjare", "Boendestödjare", "Housing support worker", 30),
    ("boendehandledare", "Boendehandledare", "Residential supervisor", 40),
    ("personlig-assistent", "Personlig assistent", "Personal assistant", 50),
    ("aktivitetshandledare", "Aktivitetshandledare", "Activity instructor", 60),
    ("underskoterska", "Undersköterska", "Assistant nurse", 70),
    ("vardbitrade", "Vårdbiträde", "Care assistant", 80),
    ("personligt-ombud", "Personligt ombud", "Personal representative (psychiatric disability)", 90),
    # Authority (myndighetsutövning) and social work.
    ("lss-handlaggare", "LSS-handläggare", "LSS case officer", 110),
    ("bistandshandlaggare", "Biståndshandläggare", "Needs assessor", 120),
    ("socialsekreterare", "Socialsekreterare", "Social worker", 130),
    ("kurator", "Kurator", "Counsellor", 140),
    # Health care under the Health and Medical Services Act (HSL).
    ("sjukskoterska", "Sjuksköterska", "Nurse", 210),
    ("arbetsterapeut", "Arbetsterapeut", "Occupational therapist", 220),
    ("fysioterapeut", "Fysioterapeut", "Physiotherapist", 230),
    # Management and development.
    ("arbetsledare", "Arbetsledare", "Team leader", 310),
    ("enhetschef", "Enhetschef", "Unit manager", 320),
    ("verksamhetschef", "Verksamhetschef", "Head of operations", 330),
    ("utvecklingsledare", "Utvecklingsledare / metodutvecklare", "Development lead / methods developer", 340),
    ("annan", "Annan yrkesroll", "Other occupation", 900),
]


def load(apps, schema_editor):
    Occupation = apps.get_model("people", "Occupation")
    for code, name_sv, name_en, sort_order in OCCUPATIONS:
        Occupation.objects.update_or_create(
            code=code, defaults={"name_sv": name_sv, "name_en": name_en, "sort_order": sort_order}
        )


def unload(apps, schema_editor):
    Occupation = apps.get_model("people", "Occupation")
    Person = apps.get_model("people", "Person")
    codes = [row[0] for row in OCCUPATIONS]
    in_use = Person.objects.filter(occupation__code__in=codes).count()
    if in_use:
        raise RuntimeError(
            f"{in_use} persons still have an occupation from this vocabulary; "
            "clear or change their occupation before reversing this migration."
        )
    Occupation.objects.filter(code__in=codes).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(load, unload),
    ]
