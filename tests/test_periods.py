import datetime as dt

import pytest

from app.periods import month_end, period


@pytest.mark.parametrize(
    ("year", "month", "last"), [(2024, 2, 29), (2023, 2, 28), (2021, 12, 31), (2021, 4, 30)]
)
def test_month_end(year, month, last):
    assert month_end(year, month) == dt.date(year, month, last)


def test_period_of_a_year_a_month_and_a_day():
    assert period(2021) == (dt.date(2021, 1, 1), dt.date(2021, 12, 31))
    assert period(2021, 12) == (dt.date(2021, 12, 1), dt.date(2021, 12, 31))
    assert period(2021, 3, 4) == (dt.date(2021, 3, 4), dt.date(2021, 3, 4))


@pytest.mark.parametrize("args", [(2021, 0), (2021, 13), (2021, 2, 30), (2021, 1, 0)])
def test_a_date_that_does_not_exist_is_a_value_error(args):
    with pytest.raises(ValueError):
        period(*args)
