import datetime as dt

import pytest

from homeward.lib.dates import BE, CE, DateInputError, PartialDate, age_on, build_birth_date, to_be_year

TODAY = dt.date(2026, 11, 29)


def test_a_buddhist_era_year_becomes_the_common_era_year():
    birth = build_birth_date(year=2547, month=3, day=27, era=BE, today=TODAY)
    assert birth.as_date() == dt.date(2004, 3, 27)
    assert to_be_year(2004) == 2547


def test_year_only_gives_an_estimated_age():
    birth = build_birth_date(year=2008, month=None, day=None, era=CE, today=TODAY)
    assert not birth.is_exact
    assert birth.isoformat() == "2008"
    assert age_on(birth, TODAY) == 18


def test_age_counts_whole_years():
    birth = PartialDate(2004, 12, 1)
    assert age_on(birth, TODAY) == 21
    assert age_on(birth, dt.date(2026, 12, 1)) == 22


@pytest.mark.parametrize(
    ("year", "month", "day", "era", "code"),
    [
        (2004, 2, 30, CE, "no_such_day"),
        (2030, 1, 1, CE, "future"),
        (2026, 12, 25, CE, "future"),
        (1890, 1, 1, CE, "too_old"),
        (2004, 1, 1, BE, "too_old"),  # 2004 BE is 1461 CE: someone typed a CE year as BE
        (2004, 13, 1, CE, "month"),
        (2004, None, 5, CE, "day_without_month"),
    ],
)
def test_impossible_dates_are_refused_with_a_reason(year, month, day, era, code):
    with pytest.raises(DateInputError) as raised:
        build_birth_date(year=year, month=month, day=day, era=era, today=TODAY)
    assert raised.value.code == code
