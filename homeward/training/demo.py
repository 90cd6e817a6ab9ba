"""Demo training: five courses, sessions over three years in a dozen provinces (some provinces never reached, so
the coverage page shows gaps), staff of the demo organisations and of providers without accounts, attendance,
pre- and post-test scores and certificates. Synthetic people only."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db import transaction
from django.utils import timezone

from homeward.accounts.models import Organisation
from homeward.lib.synthetic import FAMILY, FEMALE_GIVEN, MALE_GIVEN
from homeward.places.models import Area
from homeward.training import services
from homeward.training.models import Course, Trainee, TrainingSession

COURSES = [
    (
        "Victim identification and first contact",
        "ການກຳນົດຕົວຜູ້ຖືກເຄາະຮ້າຍ ແລະ ການພົບປະຄັ້ງທຳອິດ",
        ["identification"],
        2,
    ),
    (
        "Case management for return and reintegration",
        "ການຄຸ້ມຄອງກໍລະນີ ເພື່ອການກັບຄືນ ແລະ ການເຊື່ອມສານຄືນສູ່ສັງຄົມ",
        ["case_management", "reintegration"],
        3,
    ),
    ("Psychosocial first aid", "ການຊ່ວຍເຫຼືອທາງຈິດໃຈເບື້ອງຕົ້ນ", ["psychosocial"], 2),
    ("Referral and data protection", "ການສົ່ງຕໍ່ ແລະ ການປົກປ້ອງຂໍ້ມູນ", ["referral", "data_protection"], 1),
    ("Shelter management", "ການຄຸ້ມຄອງເຮືອນພັກເຊົາ", ["shelter"], 2),
]
# Provinces where sessions were held; the others have had no training (gaps in the coverage page).
PLACES = ["LA01", "LA13", "LA16", "LA10", "LA11", "LA06", "LA12", "LA15", "LA08", "LA05"]
POSITIONS = ["Caseworker", "Social worker", "Nurse", "Head of unit", "Counsellor", "Village volunteer"]


def generate_training(*, orgs: list[Organisation], coordinator: Any, seed: int = 2026) -> int:
    rng = random.Random(seed)  # noqa: S311 - synthetic demo data, not security
    today = timezone.localdate()
    providers = list(Organisation.objects.filter(is_external=True, country__code="LA")[:10])
    employers = [*orgs, *providers]
    provinces = {a.code: a for a in Area.objects.filter(level=1, country__code="LA")}
    with transaction.atomic():
        courses = [
            services.course_save(
                actor=coordinator,
                course=Course(
                    title_en=en,
                    title_lo=lo,
                    topics=topics,
                    duration_days=days,
                    max_score=20,
                    description_en=f"{en}: a course for the staff of the referral network (demo).",
                    description_lo="ຫຼັກສູດສຳລັບພະນັກງານໃນເຄືອຂ່າຍການສົ່ງຕໍ່ (ຕົວຢ່າງ).",
                ),
            )
            for en, lo, topics, days in COURSES
        ]
        people: list[Trainee] = []
        for _index in range(90):
            female = rng.random() < 0.62
            given = rng.choice(FEMALE_GIVEN if female else MALE_GIVEN)
            family = rng.choice(FAMILY)
            employer = rng.choice(employers)
            home = employer.province.code if employer.province else rng.choice(PLACES)
            people.append(
                services.trainee_save(
                    actor=coordinator,
                    trainee=Trainee(
                        name=f"{given[1][0]} {family[1][0]}",
                        sex="female" if female else "male",
                        organisation=employer,
                        position=rng.choice(POSITIONS),
                        province=provinces[home if rng.random() < 0.7 else rng.choice(PLACES)],
                    ),
                )
            )
        made = 0
        for number in range(14):
            course = courses[number % len(courses)]
            start = (
                today - dt.timedelta(days=rng.randint(-40, 1000)) if number else today - dt.timedelta(days=3)
            )
            place = provinces[PLACES[number % len(PLACES)]]
            session = services.session_save(
                actor=coordinator,
                session=TrainingSession(
                    course=course,
                    start_on=start,
                    end_on=start + dt.timedelta(days=course.duration_days - 1),
                    province=place,
                    venue=f"{place.name_en} provincial hall (demo)",
                    organiser=rng.choice(orgs),
                    trainers="Trainer Demo One, Trainer Demo Two",
                ),
            )
            group = rng.sample(people, rng.randint(8, 16))
            participations = [services.register(actor=coordinator, session=session, trainee=t) for t in group]
            made += 1
            if session.start_on > today or session.end_on >= today:
                continue  # planned or still running: nothing recorded yet
            present = {p.id: [d for d in session.days() if rng.random() < 0.93] for p in participations}
            services.record_attendance(actor=coordinator, session=session, present=present)
            for p in participations:
                pre = rng.randint(4, 12)
                post = min(20, pre + rng.randint(0, 9))
                whole = len(present[p.id]) == len(session.days())
                services.record_result(
                    actor=coordinator, participation=p, pre_score=pre, post_score=post, completed=whole
                )
    return made
