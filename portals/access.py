"""Who may do what: staff roles and the permissions they grant.

A person holds one or more roles; every page and API route names the permission it needs,
and the server checks it on every request (``api.access``). The roles follow how a
practice divides the work:

- **front desk**: queue eligibility checks and read their results;
- **billing**: eligibility as well as claims and prior authorizations;
- **reviewer**: the failed-run workspace and its artifacts (screenshots, HTML, traces);
- **admin**: portal accounts, people and their roles, schedules, the audit trail.

Roles add up: a person who reviews failed runs and also verifies eligibility holds both.
Admin grants no patient data by itself (minimum necessary): an administrator who also
works claims holds billing too. The admin token (``PORTALS_ADMIN_TOKEN``) holds every
permission; it is for bootstrapping and automation and is audited as the admin token.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Role(StrEnum):
    FRONT_DESK = "front_desk"
    BILLING = "billing"
    REVIEWER = "reviewer"
    ADMIN = "admin"


class Permission(StrEnum):
    ELIGIBILITY = "eligibility"
    """Queue eligibility checks, read their results, type their one-time codes."""
    CLAIMS = "claims"
    """Claim status and payment searches, their results and remittances."""
    PRIOR_AUTH = "prior_auth"
    """Prior-authorization requests, their documents and decisions."""
    REVIEW = "review"
    """The failed-run workspace: runs, timelines, screenshots, HTML, traces; retry, resolve."""
    ACCOUNTS = "accounts"
    """Portal accounts (credentials are never shown) and their flags."""
    PEOPLE = "people"
    """Staff logins, their roles and their API tokens."""
    AUDIT = "audit"
    """Read and export the audit trail."""
    APPOINTMENTS = "appointments"
    """Import upcoming visits; the morning worklist of a day's visits and batch progress."""
    LIBRARY = "library"
    """The portals' document libraries: what is new or changed, search, download."""
    SCHEDULES = "schedules"
    """The practice's schedules (nightly jobs), their slots and batches."""
    WEBHOOKS = "webhooks"
    """Webhook subscriptions and their deliveries (redeliver)."""


ROLE_LABELS: dict[Role, str] = {
    Role.FRONT_DESK: "Front desk",
    Role.BILLING: "Billing",
    Role.REVIEWER: "Reviewer",
    Role.ADMIN: "Admin",
}

ROLE_HELP: dict[Role, str] = {
    Role.FRONT_DESK: "queue eligibility checks and read their results",
    Role.BILLING: "eligibility, claims and prior authorizations",
    Role.REVIEWER: "failed runs, their screenshots, pages and traces; retry and resolve",
    Role.ADMIN: "portal accounts, people and roles, schedules, audit trail",
}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.FRONT_DESK: frozenset({Permission.ELIGIBILITY, Permission.APPOINTMENTS,
                                Permission.LIBRARY}),
    Role.BILLING: frozenset({Permission.ELIGIBILITY, Permission.CLAIMS,
                             Permission.PRIOR_AUTH, Permission.APPOINTMENTS,
                             Permission.LIBRARY}),
    Role.REVIEWER: frozenset({Permission.REVIEW}),
    Role.ADMIN: frozenset({Permission.ACCOUNTS, Permission.PEOPLE, Permission.AUDIT,
                           Permission.SCHEDULES, Permission.WEBHOOKS}),
}

ALL_ROLES: frozenset[Role] = frozenset(Role)
ALL_PERMISSIONS: frozenset[Permission] = frozenset(Permission)

KIND_PERMISSIONS: dict[str, Permission] = {
    "eligibility": Permission.ELIGIBILITY,
    "claim_status": Permission.CLAIMS,
    "prior_auth_submit": Permission.PRIOR_AUTH,
    "prior_auth_status": Permission.PRIOR_AUTH,
    "library": Permission.LIBRARY,
}
"""The permission that reads and queues each job kind's jobs."""


class UnknownRole(ValueError):
    """A role name that is not one of :class:`Role`."""


def parse_roles(names: Iterable[str]) -> frozenset[Role]:
    """Role names (as stored or typed) as roles; :class:`UnknownRole` names the bad one."""
    roles = set()
    for name in names:
        cleaned = name.strip().lower().replace("-", "_").replace(" ", "_")
        if not cleaned:
            continue
        try:
            roles.add(Role(cleaned))
        except ValueError:
            known = ", ".join(role.value for role in Role)
            raise UnknownRole(f"unknown role {name[:40]!r} (one of {known})") from None
    return frozenset(roles)


def permissions_of(roles: Iterable[Role]) -> frozenset[Permission]:
    """Everything the roles together allow."""
    granted: set[Permission] = set()
    for role in roles:
        granted |= ROLE_PERMISSIONS[role]
    return frozenset(granted)


def kind_permission(kind: str) -> Permission:
    """The permission a job kind's jobs need; an unknown kind needs review (never open)."""
    return KIND_PERMISSIONS.get(kind, Permission.REVIEW)


def roles_text(roles: Iterable[Role]) -> str:
    """Roles as stored and shown in the audit trail: sorted, comma-separated."""
    return ",".join(sorted(role.value for role in roles))
