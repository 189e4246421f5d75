"""Prior authorization end to end on the real stack: the API, Dramatiq workers on the real
Redis, real Chromium and the sandbox portals.

For every carrier that takes prior authorizations, a worker SIGKILLed right after the
submit click ends with exactly one submission in the portal's ledger (or none and the
request waiting for a person), never two; its documents reach the portal as stored.
(The whole step matrix is ``portals bench prior-auth --kill-at all``.)
"""

from __future__ import annotations

from typing import Any

import pytest

from bench.prior_auth import prior_auth_carriers, run_scenario

pytestmark = pytest.mark.browser


def test_a_worker_killed_right_after_the_submit_click_never_submits_twice(
        sandbox_servers: Any, redis_url: str) -> None:
    carriers = prior_auth_carriers()
    assert sorted(carriers) == ["meridian", "northwind", "summit"]
    urls = {carrier: sandbox_servers.get(carrier).url for carrier in carriers}
    # decisions are read back per carrier in the bot tests and by the bench; here only
    # what a kill can break: the submission
    figures = run_scenario(carriers, 1, kill_at="after_submit_click", redis_url=redis_url,
                           portal_urls=urls, read_decisions=False)
    for figure in figures:
        assert figure.duplicates == 0, figure
        assert figure.inconsistent == 0 and figure.failed == 0, figure.problems
        assert figure.submitted + figure.waiting_for_person == figure.requests == 1
        assert figure.ledger_submissions == figure.submitted
        assert figure.documents_verified == figure.documents == 2 * figure.submitted
        assert figure.passed
    assert figures[0].worker_deaths >= 1  # the kill happened
