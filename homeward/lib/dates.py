"""Dates as people write them here: Common Era or Buddhist Era (BE = CE + 543), sometimes year only."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

BE_OFFSET = 543
CE, BE = "CE", "BE"
MAX_AGE_YEARS = 120


class DateInputError(ValueError):
    """A date that does not exist, lies in the future, or gives an impossible age. ``code`` says which."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class PartialDate:
    """A birth date that may be known to the year only."""

    year: int
    month: int | None = None
    day: int | None = None

    @property
    def is_exact(self) -> bool:
        return self.month is not None and self.day is not None

    def as_date(self) -> dt.date:
        """The date itself, or the middle of the year when only the year is known (for age estimates)."""
        if self.is_exact:
            return dt.date(self.year, self.month or 1, self.day or 1)
        return dt.date(self.year, self.month or 7, 1)

    def isoformat(self) -> str:
        if self.is_exact:
            return self.as_date().isoformat()
        if self.month:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}"

    @classmethod
    def parse_iso(cls, text: str) -> PartialDate:
        parts = [int(p) for p in text.split("-")]
        return cls(*parts)  # type: ignore[arg-type]


def to_ce_year(year: int, era: str) -> int:
    if era == BE:
        return year - BE_OFFSET
    if era == CE:
        return year
    raise DateInputError("era")


def to_be_year(ce_year: int) -> int:
    return ce_year + BE_OFFSET


def build_birth_date(
    *, year: int, month: int | None, day: int | None, era: str, today: dt.date | None = None
) -> PartialDate:
    """Validate a birth date typed as day / month / year in either era; refuse what cannot be true."""
    today = today or dt.date.today()
    ce_year = to_ce_year(year, era)
    if day is not None and month is None:
        raise DateInputError("day_without_month")
    if month is not None and not 1 <= month <= 12:
        raise DateInputError("month")
    if month is not None and day is not None:
        try:
            dt.date(ce_year, month, day)
        except ValueError:
            raise DateInputError("no_such_day") from None
    if ce_year < 1 or ce_year > today.year:
        raise DateInputError("future" if ce_year > today.year else "too_old")
    result = PartialDate(ce_year, month, day)
    if result.is_exact and result.as_date() > today:
        raise DateInputError("future")
    if age_on(result, today) > MAX_AGE_YEARS:
        raise DateInputError("too_old")
    return result


def age_on(birth: PartialDate, on: dt.date) -> int:
    """Whole years of age on a date. With the year only, the age someone born mid-year would have."""
    born = birth.as_date()
    years = on.year - born.year
    if (on.month, on.day) < (born.month, born.day):
        years -= 1
    return max(years, 0)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later; the month's last day when it is shorter (31 January + 1 = 28/29 February)."""
    import calendar

    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
