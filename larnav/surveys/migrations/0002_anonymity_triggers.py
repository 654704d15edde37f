"""Anonymity enforced by the database, not only by the code.

* A ``surveys_respondent`` row (who gave a response) is refused when the
  response belongs to an anonymous round, or to another round than the row says.
* A round's ``anonymous`` flag cannot change once it has responses (otherwise
  earlier anonymous responses could be linked afterwards).
"""

from django.db import migrations

MESSAGE_RESPONDENT = "surveys: a response to an anonymous survey cannot be linked to a person"
MESSAGE_FLAG = "surveys: a survey with responses cannot change whether it is anonymous"

POSTGRESQL_FORWARD = [
    f"""
    CREATE OR REPLACE FUNCTION surveys_respondent_guard() RETURNS trigger AS $$
    BEGIN
        IF (SELECT survey_id FROM surveys_response WHERE id = NEW.response_id) IS DISTINCT FROM NEW.survey_id
           OR EXISTS (SELECT 1 FROM surveys_survey WHERE id = NEW.survey_id AND anonymous) THEN
            RAISE EXCEPTION '{MESSAGE_RESPONDENT}' USING ERRCODE = '23514';
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER surveys_respondent_guard BEFORE INSERT OR UPDATE ON surveys_respondent
    FOR EACH ROW EXECUTE FUNCTION surveys_respondent_guard()
    """,
    f"""
    CREATE OR REPLACE FUNCTION surveys_survey_anonymity_guard() RETURNS trigger AS $$
    BEGIN
        IF NEW.anonymous IS DISTINCT FROM OLD.anonymous
           AND EXISTS (SELECT 1 FROM surveys_response WHERE survey_id = NEW.id) THEN
            RAISE EXCEPTION '{MESSAGE_FLAG}' USING ERRCODE = '23514';
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER surveys_survey_anonymity_guard BEFORE UPDATE ON surveys_survey
    FOR EACH ROW EXECUTE FUNCTION surveys_survey_anonymity_guard()
    """,
]
POSTGRESQL_BACKWARD = [
    "DROP TRIGGER IF EXISTS surveys_respondent_guard ON surveys_respondent",
    "DROP FUNCTION IF EXISTS surveys_respondent_guard()",
    "DROP TRIGGER IF EXISTS surveys_survey_anonymity_guard ON surveys_survey",
    "DROP FUNCTION IF EXISTS surveys_survey_anonymity_guard()",
]

_SQLITE_RESPONDENT_WHEN = """
    (SELECT survey_id FROM surveys_response WHERE id = NEW.response_id) IS NOT NEW.survey_id
    OR EXISTS (SELECT 1 FROM surveys_survey WHERE id = NEW.survey_id AND anonymous)
"""
SQLITE_FORWARD = [
    f"""
    CREATE TRIGGER surveys_respondent_guard_insert BEFORE INSERT ON surveys_respondent
    WHEN {_SQLITE_RESPONDENT_WHEN}
    BEGIN SELECT RAISE(ABORT, '{MESSAGE_RESPONDENT}'); END
    """,
    f"""
    CREATE TRIGGER surveys_respondent_guard_update BEFORE UPDATE ON surveys_respondent
    WHEN {_SQLITE_RESPONDENT_WHEN}
    BEGIN SELECT RAISE(ABORT, '{MESSAGE_RESPONDENT}'); END
    """,
    f"""
    CREATE TRIGGER surveys_survey_anonymity_guard BEFORE UPDATE OF anonymous ON surveys_survey
    WHEN NEW.anonymous IS NOT OLD.anonymous AND EXISTS (SELECT 1 FROM surveys_response WHERE survey_id = NEW.id)
    BEGIN SELECT RAISE(ABORT, '{MESSAGE_FLAG}'); END
    """,
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS surveys_respondent_guard_insert",
    "DROP TRIGGER IF EXISTS surveys_respondent_guard_update",
    "DROP TRIGGER IF EXISTS surveys_survey_anonymity_guard",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor)
        if statements is None:
            raise NotImplementedError(f"No anonymity triggers for {schema_editor.connection.vendor}")
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("surveys", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRESQL_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": POSTGRESQL_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        ),
    ]
