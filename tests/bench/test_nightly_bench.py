"""A nightly batch at reduced scale, end to end (the full 200-visit figure comes from
``portals bench nightly``): visits imported through the API across the four carriers, the
scheduler's slot, the real queue and a worker process; every visit verified once, exactly,
no run before its planned time, each account within its budget and logged in once."""

from __future__ import annotations

import pytest

from bench.nightly import _busiest_minute, run_nightly
from bench.throughput import eligibility_carriers


@pytest.mark.browser
@pytest.mark.redis
def test_a_nightly_batch_across_four_carriers_verifies_every_visit_once(
        redis_url: str) -> None:
    carriers = eligibility_carriers()
    assert sorted(carriers) == ["cascade", "meridian", "northwind", "summit"]
    figures = run_nightly(carriers, visits_per_carrier=2, lookups_per_minute=20,
                          redis_url=redis_url, threads=4, timeout=300)
    assert figures.problems == [] and figures.wrong == []
    assert (figures.jobs, figures.succeeded, figures.exact, figures.runs) == (8, 8, 8, 8)
    assert figures.checks_per_visit_max == 1
    assert figures.early_starts == 0
    assert len(figures.busiest_minute) == 4
    assert all(n <= 20 for n in figures.busiest_minute.values())
    assert sorted(figures.logins.values()) == [1, 1, 1, 1]
    assert figures.passed


def test_the_busiest_minute_counts_starts_in_any_sixty_seconds() -> None:
    import datetime as dt

    at = dt.datetime(2026, 12, 2, 2, 0, tzinfo=dt.UTC)
    starts = [at + dt.timedelta(seconds=s) for s in (0, 10, 59, 61, 62, 200)]
    assert _busiest_minute(starts) == 4  # 10, 59, 61, 62 fall within one minute
    assert _busiest_minute([]) == 0
