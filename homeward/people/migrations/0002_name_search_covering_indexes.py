"""Covering indexes for name search (homeward.people.selectors.person_ids_matching).

The search reads, for a handful of blind-index digests, which people hold them, and keeps those of the asking
user's organisations. With these two indexes both steps are index-only, on SQLite and PostgreSQL alike:

* ``people_namekey (digest, person_id)``: the people holding a digest, without a visit to the table row.
* ``people_person (id, owner_org_id)``: a person's organisation, without a visit to the wide person row
  (it holds every encrypted column). On SQLite it also keeps the planner from driving the search from the
  organisation's whole list of people when the database has no statistics (no ANALYZE).

Measured with bench/search.py on 100,000 people (see bench/README.md). Plain SQL that both databases accept;
no model state changes, so the models and `makemigrations --check` are unaffected.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("people", "0001_initial")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX namekey_digest_person ON people_namekey (digest, person_id)",
            reverse_sql="DROP INDEX IF EXISTS namekey_digest_person",
        ),
        migrations.RunSQL(
            "CREATE INDEX person_id_owner_org ON people_person (id, owner_org_id)",
            reverse_sql="DROP INDEX IF EXISTS person_id_owner_org",
        ),
    ]
