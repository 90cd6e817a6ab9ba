from django.core.management.base import BaseCommand
from django.db import transaction

from homeward.lib.names import forget_rules
from homeward.people.models import Person
from homeward.people.services import person_reindex


class Command(BaseCommand):
    help = "Rebuild every person's name search keys (after editing the folding rules or nickname table)."

    def handle(self, *args, **options):
        forget_rules()
        ids = list(Person.objects.values_list("id", flat=True))
        for start in range(0, len(ids), 500):
            with transaction.atomic():
                for person in Person.objects.filter(id__in=ids[start : start + 500]):
                    person_reindex(person=person)
        self.stdout.write(f"Re-indexed {len(ids)} people.")
