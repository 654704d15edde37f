"""The templates Lärnav provides: the standard course evaluation and the CKA yearly survey.

The course evaluation asks what Forum Carpe's evaluations ask: an overall
grade (the quality indicator), usefulness in one's work, the trainer, whether
one would recommend the training, and free text. The CKA survey follows the
plan's follow-up at the end of the year: how familiar the CKA feel with the
consortium's work, their trust in it, whether the information material
supports them, whether they reach every target group, and the value of the
knowledge sharing.

``ensure_standard_templates(consortium)`` creates whichever of them the
consortium lacks (keyed on ``SurveyTemplate.key``) and leaves existing ones,
however they have been edited, alone.
"""

from django.db import transaction

from . import services
from .models import Question, Section, SurveyTemplate

K = Question.Kind
COURSE_EVALUATION = "course-evaluation"
CKA_YEARLY = "cka-yearly"

AGREE = {"scale_low_sv": "Instämmer inte alls", "scale_low_en": "Strongly disagree",
         "scale_high_sv": "Instämmer helt", "scale_high_en": "Strongly agree"}

STANDARD = {
    COURSE_EVALUATION: {
        "template": dict(
            kind=SurveyTemplate.Kind.COURSE_EVALUATION, anonymous=True, is_default_evaluation=True,
            name_sv="Kursutvärdering", name_en="Course evaluation",
            intro_sv="Tack för att du deltog! Dina svar hjälper oss att utveckla utbudet. Det tar ungefär "
                     "tre minuter.",
            intro_en="Thank you for taking part! Your answers help us develop the offer. It takes about three "
                     "minutes.",
        ),
        "sections": [
            (("Helhetsintryck", "Overall impression"), [
                dict(key="overall", kind=K.SCALE, required=True, indicator=True,
                     text_sv="Vilket helhetsbetyg ger du utbildningen?",
                     text_en="What overall grade do you give the training?",
                     scale_low_sv="Mycket dåligt", scale_low_en="Very poor",
                     scale_high_sv="Mycket bra", scale_high_en="Very good"),
                dict(kind=K.SCALE, required=True,
                     text_sv="I vilken grad kommer du att ha nytta av innehållet i ditt arbete?",
                     text_en="To what extent will the content be useful in your work?",
                     scale_low_sv="Inte alls", scale_low_en="Not at all",
                     scale_high_sv="I mycket hög grad", scale_high_en="To a very great extent"),
                dict(kind=K.MATRIX, text_sv="Vad tycker du om utbildaren eller föreläsaren?",
                     text_en="What do you think of the trainer or lecturer?", **AGREE,
                     statements=[("Var väl insatt i ämnet", "Knew the subject well"),
                                 ("Gjorde innehållet begripligt", "Made the content understandable"),
                                 ("Gav utrymme för frågor och diskussion",
                                  "Left room for questions and discussion")]),
                dict(key="recommend", kind=K.YES_NO, required=True,
                     text_sv="Skulle du rekommendera utbildningen till en kollega?",
                     text_en="Would you recommend the training to a colleague?"),
                dict(kind=K.TEXT, condition=("recommend", 0),
                     text_sv="Vad skulle behöva vara annorlunda för att du skulle rekommendera den?",
                     text_en="What would need to be different for you to recommend it?"),
            ]),
            (("Praktiskt och övrigt", "Practicalities and other comments"), [
                dict(kind=K.SINGLE, text_sv="Hur fick du veta om utbildningen?",
                     text_en="How did you hear about the training?",
                     options=[("Från min chef", "From my manager"),
                              ("Från kompetensombudet", "From the workplace learning representative"),
                              ("Webbplatsen eller nyhetsbrevet", "The website or the newsletter"),
                              ("Från en kollega", "From a colleague"), ("Annat", "Other")]),
                dict(kind=K.TEXT, text_sv="Övriga synpunkter eller förslag på förbättringar",
                     text_en="Other comments or suggestions for improvement"),
            ]),
        ],
    },
    CKA_YEARLY: {
        "template": dict(
            kind=SurveyTemplate.Kind.RECURRING, anonymous=True,
            name_sv="CKA-enkät (årlig)", name_en="Yearly survey of the municipal contacts (CKA)",
            intro_sv="Enkäten går till alla kommun- och stadsdelsansvariga (CKA) i slutet av året. Svaren följer "
                     "upp verksamhetsplanens mål och jämförs med tidigare år.",
            intro_en="The survey goes to every municipal and district contact (CKA) at the end of the year. The "
                     "answers follow up the annual plan's goals and are compared with earlier years.",
        ),
        "sections": [
            (("Din roll som CKA", "Your role as CKA"), [
                dict(kind=K.SCALE, required=True,
                     text_sv="Hur förtrogen känner du dig med samverkans verksamhet?",
                     text_en="How familiar do you feel with the consortium's work?",
                     scale_low_sv="Inte alls förtrogen", scale_low_en="Not at all familiar",
                     scale_high_sv="Mycket förtrogen", scale_high_en="Very familiar"),
                dict(key="clear", kind=K.YES_NO, required=True, text_sv="Är uppdraget som CKA tydligt för dig?",
                     text_en="Is the CKA assignment clear to you?"),
                dict(kind=K.TEXT, condition=("clear", 0), text_sv="Vad är otydligt i uppdraget?",
                     text_en="What is unclear about the assignment?"),
                dict(kind=K.MATRIX, required=True, text_sv="Hur väl stämmer påståendena för dig?",
                     text_en="How well do the statements fit you?",
                     scale_low_sv="Stämmer inte alls", scale_low_en="Not at all",
                     scale_high_sv="Stämmer helt", scale_high_en="Completely",
                     statements=[
                         ("Jag har förtroende för samverkans verksamhet", "I trust the consortium's work"),
                         ("Informationsmaterialet är ett stöd när jag sprider information i min kommun eller "
                          "stadsdel", "The information material supports me in spreading information in my "
                          "municipality or district"),
                         ("Jag når ut till samtliga målgrupper", "I reach every target group"),
                         ("Kunskapsspridningen och omvärldsbevakningen är värdefull för vår verksamhet",
                          "The knowledge sharing and monitoring are valuable to our organisation"),
                     ]),
            ]),
            (("Förutsättningar", "Conditions"), [
                dict(kind=K.NUMBER, number_min=0, number_max=200,
                     text_sv="Ungefär hur många timmar i månaden lägger du på uppdraget som CKA?",
                     text_en="About how many hours a month do you spend on the CKA assignment?"),
                dict(kind=K.MULTIPLE, text_sv="Vilka kanaler använder du för att sprida information?",
                     text_en="Which channels do you use to spread information?",
                     options=[("E-post till chefer", "E-mail to managers"),
                              ("Arbetsplatsträffar", "Workplace meetings"), ("Intranätet", "The intranet"),
                              ("Kompetensombuden", "The workplace learning representatives"),
                              ("Nyhetsbrev", "Newsletter"), ("Annat", "Other")]),
                dict(kind=K.TEXT, text_sv="Vad skulle göra det lättare för dig att nå ut?",
                     text_en="What would make it easier for you to reach out?"),
            ]),
        ],
    },
}


@transaction.atomic
def build_standard_template(consortium, key: str, user=None) -> SurveyTemplate:
    spec = STANDARD[key]
    fields = dict(spec["template"])
    if fields.get("is_default_evaluation") and SurveyTemplate.objects.filter(
            consortium=consortium, is_default_evaluation=True).exists():
        fields["is_default_evaluation"] = False  # keep the consortium's own choice
    template = services.create_template(consortium, user=user, **fields)
    SurveyTemplate.objects.filter(pk=template.pk).update(key=key)
    template.key = key
    version = services.latest_version(template)
    first = version.sections.get()
    keyed = {}
    for index, ((title_sv, title_en), questions) in enumerate(spec["sections"]):
        if index == 0:
            section = first
            section.title_sv, section.title_en = title_sv, title_en
            services.save_section(section)
        else:
            section = services.save_section(Section(version=version, title_sv=title_sv, title_en=title_en))
        for q in questions:
            q = dict(q)
            key_name = q.pop("key", None)
            options = [services.OptionInput(sv, en) for sv, en in q.pop("options", [])]
            statements = [services.OptionInput(sv, en) for sv, en in q.pop("statements", [])]
            condition = q.pop("condition", None)
            question = Question(version=version, section=section, **q)
            if condition is not None:
                source, value = condition
                question.condition = keyed[source].choices.get(value=value)
            services.save_question(question, options=options, statements=statements)
            if key_name:
                keyed[key_name] = question
    return template


def ensure_standard_templates(consortium, user=None) -> list[SurveyTemplate]:
    """Create the standard templates the consortium does not have yet; return those created."""
    existing = set(SurveyTemplate.objects.filter(consortium=consortium, key__in=STANDARD).values_list("key",
                                                                                                    flat=True))
    return [build_standard_template(consortium, key, user) for key in STANDARD if key not in existing]
