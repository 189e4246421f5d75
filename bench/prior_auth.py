"""``portals bench prior-auth``: prior-authorization requests through the real API, queue
and workers in real Chromium against the sandbox portals, judged by each portal's own
ledger of what it received.

One scenario (:func:`run_scenario`) starts fresh: sandbox portals reset, a new SQLite
database and artifact store, a portal account per carrier, the API served in a thread
(its inbox takes the SMS codes), and Dramatiq workers in a child process that is started
again at once whenever it dies. It creates ``requests`` requests per carrier through
``POST /v1/prior-auths`` (each with two clinical documents), waits until every
submission has ended, then sets a decision on every submitted request in the sandbox
(approved, with changes, partial, denied, more information, cancelled, pended in turn),
asks for a status read through the API, and compares what was stored with the ledger.

With ``kill_at`` set, every submission's first run SIGKILLs its worker at that step
(``PORTALS_FAULT_KILL_AT``); the figures must not change: each request ends with
exactly one submission in the ledger, or none and the request waiting for a person, and
never two.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import secrets
import signal
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

STEPS = ("before_upload", "during_upload", "after_upload", "after_submit_click",
         "after_reference")
"""Where ``--kill-at`` can stop a worker: the steps bots report
(:class:`bots.prior_auth_flow.Step`)."""

DECISIONS = ("approved", "approved_with_changes", "denied", "more_info",
             "partially_approved", "cancelled", "pended")
PROCEDURES = ("72148", "70553", "97110", "29881", "63030", "95810", "J1745", "E0601")
DIAGNOSES = ("M54.50", "M17.11", "G47.33", "M75.101", "S83.241A")

Progress = Callable[[str], None]


@dataclass
class Figures:
    """One carrier's figures in one scenario."""

    carrier: str
    kill_at: str | None
    requests: int = 0
    submitted: int = 0
    ledger_submissions: int = 0
    duplicates: int = 0
    waiting_for_person: int = 0
    found_after_crash: int = 0
    """Requests recorded from the portal's list after a run died past its submit click
    (looked for, not submitted again)."""
    failed: int = 0
    inconsistent: int = 0
    """Requests whose end state disagrees with the ledger (submitted but not received,
    received but not recorded, ...)."""
    documents: int = 0
    documents_verified: int = 0
    decisions_checked: int = 0
    decisions_correct: int = 0
    worker_deaths: int = 0
    seconds: float = 0.0
    decisions_read: bool = True
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return (self.duplicates == 0 and self.inconsistent == 0 and self.failed == 0
                and self.submitted + self.waiting_for_person == self.requests
                and self.documents_verified == self.documents
                and self.decisions_correct == self.decisions_checked
                == (self.submitted if self.decisions_read else 0))


@dataclass
class Report:
    scenarios: list[Figures]

    @property
    def passed(self) -> bool:
        return bool(self.scenarios) and all(f.passed for f in self.scenarios)

    def as_dict(self) -> dict[str, Any]:
        return {"passed": self.passed,
                "scenarios": [{**asdict(f), "passed": f.passed} for f in self.scenarios]}


def prior_auth_carriers() -> list[str]:
    """Carriers whose bot serves prior authorization."""
    from bots.base import Capability
    from bots.registry import registry

    return [name for name in registry.names()
            if Capability.PRIOR_AUTH in registry.get(name).capabilities]


# -- the requests ---------------------------------------------------------------------


def _npi(base: str) -> str:
    """A 10-digit NPI with its Luhn check digit (prefix 80840)."""
    digits = [int(d) for d in "80840" + base]
    total = 0
    for i, d in enumerate(reversed(digits)):
        total += sum(divmod(d * 2, 10)) if i % 2 == 0 else d
    return base + str((10 - total % 10) % 10)


def _files(carrier: str, index: int, member: dict[str, str]) -> list[tuple[str, bytes, str]]:
    """Two clinical documents: a PDF note and an image the carrier takes (PNG or TIFF)."""
    from PIL import Image

    from bots.registry import registry
    from fixtures.sandbox.core.pdf import Field, Paragraph, render_pdf

    note = render_pdf("Clinical note (synthetic)", [
        Field("Patient", f"{member['last_name']}, {member['first_name']}"),
        Field("Request", f"{carrier}-{index}"),
        Paragraph("Fictional clinical summary for the sandbox benchmark."),
    ])
    limits = registry.get(carrier).prior_auth_limits
    assert limits is not None
    image = Image.new("RGB", (24 + index, 16), (index * 7 % 255, 80, 160))
    buffer = io.BytesIO()
    if "image/png" in limits.content_types:
        image.save(buffer, format="PNG")
        picture = (f"image-{index}.png", buffer.getvalue(), "image/png")
    else:
        image.save(buffer, format="TIFF")
        picture = (f"image-{index}.tif", buffer.getvalue(), "image/tiff")
    return [(f"clinical-note-{index}.pdf", note, "application/pdf"), picture]


def request_fields(carrier: str, index: int) -> tuple[dict[str, Any], dict[str, str]]:
    """The ``index``-th request of a carrier's sample (a sandbox member, codes in turn)."""
    from fixtures.sandbox.expected import members

    people = members(carrier)
    member = people[(index * 7) % len(people)]
    start = dt.date.today() + dt.timedelta(days=14 + index)
    services = [{"procedure_code": PROCEDURES[index % len(PROCEDURES)], "units": 1 + index % 3}]
    if index % 2:
        services.append({"procedure_code": PROCEDURES[(index + 3) % len(PROCEDURES)],
                         "modifiers": ["RT"], "units": 2})
    fields = {
        "carrier": carrier, "member_id": member["member_id"],
        "date_of_birth": member["date_of_birth"], "last_name": member["last_name"],
        "first_name": member["first_name"],
        "requesting_provider": {"npi": _npi("123456789"), "name": "Sandbox Family Clinic"},
        "servicing_provider": {"npi": _npi("198765432"), "name": "Sandbox Imaging Center"},
        "diagnosis_codes": [DIAGNOSES[index % len(DIAGNOSES)]],
        "services": services,
        "service_from": start.isoformat(),
        "service_to": (start + dt.timedelta(days=60)).isoformat(),
        "place_of_service": "11" if index % 2 else "22",
        "urgency": "expedited" if index % 3 == 0 else "standard",
        "note": f"Benchmark request {index}",
    }
    return fields, member


# -- the stack --------------------------------------------------------------------------


@dataclass
class Stack:
    api_url: str
    token: str
    engine: Any
    portals: dict[str, str]
    controls: dict[str, Any]
    deaths: Callable[[], int]


class _Workers:
    """Dramatiq workers in a child process group, started again at once when they die."""

    def __init__(self, env: dict[str, str], log_path: Path, threads: int) -> None:
        from workflows.cli import dramatiq_command

        self.command = dramatiq_command(1, threads)
        self.env = env
        self.log_path = log_path
        self.deaths = 0
        self._stop = threading.Event()
        self._child: subprocess.Popen[bytes] | None = None
        self._thread = threading.Thread(target=self._loop, name="bench-workers", daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            with self.log_path.open("ab") as log:
                self._child = subprocess.Popen(self.command, env=self.env, stdout=log,
                                               stderr=subprocess.STDOUT,
                                               start_new_session=True)
            while self._child.poll() is None and not self._stop.is_set():
                time.sleep(0.1)
            if not self._stop.is_set():
                self.deaths += 1
                _kill_group(self._child)

    def start(self) -> _Workers:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        if self._child is not None:
            _kill_group(self._child)


def _kill_group(child: subprocess.Popen[bytes]) -> None:
    with suppress(ProcessLookupError):
        os.killpg(child.pid, signal.SIGKILL)
    child.wait()


@contextmanager
def stack(carriers: list[str], *, data_dir: Path, redis_url: str, kill_at: str | None,
          threads: int = 2, portal_urls: dict[str, str] | None = None,
          extra_env: dict[str, str] | None = None) -> Iterator[Stack]:
    """Sandbox portals (reset), a fresh database, the API and self-restarting workers
    (``extra_env``: more settings for the workers, e.g. a lower lookups-per-minute)."""
    from pydantic import SecretStr

    from api.app import create_app
    from bench.live import serve
    from fixtures.sandbox import carriers as sandbox
    from fixtures.sandbox.server import SandboxControl, SandboxServer
    from portals.settings import Settings
    from storage import repo
    from storage.crypto import Vault
    from storage.db import create_schema, make_engine, session_scope

    with ExitStack() as stack_:
        urls = dict(portal_urls or {})
        for carrier in carriers:
            if carrier not in urls:
                urls[carrier] = stack_.enter_context(SandboxServer(carrier)).url
        secret = Vault.generate_key()
        token, inbox_secret = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        database_url = f"sqlite:///{data_dir / 'bench.db'}"
        settings = Settings(database_url=database_url, secret_key=SecretStr(secret),
                            admin_token=SecretStr(token), inbox_secret=SecretStr(inbox_secret),
                            redis_url=redis_url, data_dir=data_dir, carrier_urls=urls)
        engine = make_engine(database_url)
        create_schema(engine)
        stack_.callback(engine.dispose)
        api_url = stack_.enter_context(serve(create_app(settings)))
        controls = {}
        vault = Vault(secret)
        for carrier in carriers:
            control = SandboxControl(urls[carrier])
            stack_.callback(control.close)
            control.reset()
            control.set_knobs(code_webhook_url=f"{api_url}/v1/inbox/codes",
                              code_webhook_secret=inbox_secret)
            fields = sandbox.get(carrier).new_account(f"bench.{secrets.token_hex(4)}",
                                                      secrets.token_urlsafe(18))
            control.add_account(**fields)
            controls[carrier] = control
            with session_scope(engine) as session:
                totp = fields.get("totp_secret")
                repo.create_account(
                    session=session, vault=vault, carrier=carrier, label="bench",
                    username=fields["username"], password=SecretStr(fields["password"]),
                    totp_secret=SecretStr(totp) if totp else None,
                    extra={f"security:{q}": SecretStr(a) for q, a in
                           (fields.get("security_answers") or {}).items()} or None,
                    mfa_recipient=fields.get("phone") or fields.get("email"))
        env = {**os.environ, "PORTALS_DATABASE_URL": database_url,
               "PORTALS_REDIS_URL": redis_url, "PORTALS_SECRET_KEY": secret,
               "PORTALS_DATA_DIR": str(data_dir), "PORTALS_CARRIER_URLS": json.dumps(urls),
               "PORTALS_LEASE_SECONDS": "4", "PORTALS_RECOVERY_INTERVAL_SECONDS": "1",
               "PORTALS_STALE_QUEUED_SECONDS": "20", "PORTALS_BROKER_HEARTBEAT_MS": "5000",
               "PORTALS_RETRY_BACKOFF_SECONDS": "1"}
        env.update(extra_env or {})
        env.pop("PORTALS_FAULT_KILL_AT", None)
        if kill_at:
            env["PORTALS_FAULT_KILL_AT"] = kill_at
        workers = _Workers(env, data_dir / "workers.log", threads).start()
        stack_.callback(workers.stop)
        yield Stack(api_url=api_url, token=token, engine=engine, portals=urls,
                    controls=controls, deaths=lambda: workers.deaths)


# -- one scenario -----------------------------------------------------------------------


def _wait(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.5)


def run_scenario(carriers: list[str], requests: int, *, kill_at: str | None,
                 redis_url: str, data_dir: Path | None = None, threads: int = 2,
                 portal_urls: dict[str, str] | None = None,
                 progress: Progress | None = None, read_decisions: bool = True
                 ) -> list[Figures]:
    """One scenario; the figures per carrier. Without ``read_decisions`` no decision is set
    or read back (a test of the submissions alone); the figures then check none."""
    from storage import prior_auths
    from storage.db import session_scope
    from storage.models import Job, PriorAuth, PriorAuthState

    say = progress or (lambda _text: None)
    started = time.monotonic()
    with ExitStack() as outer:
        folder = data_dir or Path(outer.enter_context(tempfile.TemporaryDirectory(
            prefix="pa-bench-")))
        running = outer.enter_context(stack(carriers, data_dir=folder, redis_url=redis_url,
                                            kill_at=kill_at, threads=threads,
                                            portal_urls=portal_urls))
        api = outer.enter_context(httpx.Client(
            base_url=running.api_url, timeout=30,
            headers={"Authorization": f"Bearer {running.token}"}))
        ids: dict[str, list[str]] = {c: [] for c in carriers}
        for index in range(requests):
            for carrier in carriers:
                fields, member = request_fields(carrier, index)
                files = _files(carrier, index, member)
                answer = api.post("/v1/prior-auths", data={"request": json.dumps(fields)},
                                  files=[("files", f) for f in files],
                                  headers={"Idempotency-Key": f"bench-{carrier}-{index}"})
                if answer.status_code != 202:
                    raise RuntimeError(f"{carrier} request {index}: the API answered "
                                       f"{answer.status_code}: {answer.text[:300]}")
                ids[carrier].append(answer.json()["id"])
        every = [pa_id for found in ids.values() for pa_id in found]
        say(f"{len(every)} requests queued" + (f", killing at {kill_at}" if kill_at else ""))

        def submissions_ended() -> bool:
            with session_scope(running.engine) as session:
                states = [session.get(PriorAuth, pa_id) for pa_id in every]
                return all(pa is not None and pa.state != PriorAuthState.QUEUED
                           for pa in states)

        _wait(submissions_ended, 90 + 45 * requests * len(carriers), "the submissions")
        say("submissions ended; deciding and reading decisions")
        expected_checks: dict[str, str] = {}
        for carrier in carriers if read_decisions else []:
            for number, pa_id in enumerate(ids[carrier]):
                with session_scope(running.engine) as session:
                    pa = session.get(PriorAuth, pa_id)
                    assert pa is not None
                    if pa.state != PriorAuthState.SUBMITTED or pa.reference_number is None:
                        continue
                    reference = pa.reference_number
                running.controls[carrier].set_prior_auth_decision(
                    reference, DECISIONS[number % len(DECISIONS)])
                answer = api.post(f"/v1/prior-auths/{pa_id}/refresh")
                if answer.status_code != 202:
                    raise RuntimeError(f"refresh answered {answer.status_code}: "
                                       f"{answer.text[:300]}")
                expected_checks[pa_id] = answer.json()["job_id"]

        def reads_ended() -> bool:
            with session_scope(running.engine) as session:
                return all((job := session.get(Job, job_id)) is not None
                           and job.finished_at is not None
                           for job_id in expected_checks.values())

        _wait(reads_ended, 60 + 20 * len(expected_checks), "the status reads")
        figures = []
        for carrier in carriers:
            ledger = running.controls[carrier].prior_auths()
            with session_scope(running.engine) as session:
                rows = [session.get(PriorAuth, pa_id) for pa_id in ids[carrier]]
                documents = {pa.id: prior_auths.documents(session=session, pa_id=pa.id)
                             for pa in rows if pa is not None}
                figure = _figures(carrier, kill_at, [pa for pa in rows if pa], documents,
                                  ledger, read_decisions)
                figure.found_after_crash = sum(
                    any(e.event == "found_existing"
                        for e in prior_auths.events(session=session, pa_id=pa.id))
                    for pa in rows if pa is not None)
                figures.append(figure)
        deaths = running.deaths()
    elapsed = time.monotonic() - started
    for figure in figures:
        figure.worker_deaths = deaths
        figure.seconds = round(elapsed, 1)
    return figures


def _figures(carrier: str, kill_at: str | None, rows: list[Any],
             documents: dict[str, list[Any]], ledger: list[dict[str, Any]],
             read_decisions: bool = True) -> Figures:
    from storage.models import PriorAuthState

    figures = Figures(carrier=carrier, kill_at=kill_at, requests=len(rows),
                      decisions_read=read_decisions)
    ours = {pa.tracking_ref: pa for pa in rows}
    received = Counter(entry.get("tracking_ref") for entry in ledger)
    figures.ledger_submissions = sum(received[ref] for ref in ours)
    figures.duplicates = sum(max(0, received[ref] - 1) for ref in ours)
    strangers = sum(n for ref, n in received.items() if ref not in ours)
    if strangers:
        figures.problems.append(f"{strangers} ledger entries carry no reference of ours")
    by_ref = {entry.get("tracking_ref"): entry for entry in ledger}
    for pa in rows:
        count = received[pa.tracking_ref]
        if pa.state == PriorAuthState.SUBMITTED:
            figures.submitted += 1
        elif pa.state == PriorAuthState.OUTCOME_UNKNOWN:
            figures.waiting_for_person += 1
        else:
            figures.failed += 1
            figures.problems.append(f"{pa.tracking_ref}: {pa.state}: {pa.message}")
        consistent = (pa.state == PriorAuthState.SUBMITTED and count == 1) or \
            (pa.state == PriorAuthState.OUTCOME_UNKNOWN and count == 0)
        if not consistent:
            figures.inconsistent += 1
            figures.problems.append(f"{pa.tracking_ref}: {pa.state} with {count} in the "
                                    "ledger")
        entry = by_ref.get(pa.tracking_ref)
        if entry is None or pa.state != PriorAuthState.SUBMITTED:
            continue
        attached = documents.get(pa.id, [])
        figures.documents += len(attached)
        sent = {(f["name"], f["size"], f["sha256"]) for f in entry["files"]}
        figures.documents_verified += sum(
            (d.filename, d.size, d.sha256) in sent for d in attached)
        if not read_decisions:
            continue
        figures.decisions_checked += 1
        if _decision_matches(pa, entry["decision"]):
            figures.decisions_correct += 1
        else:
            figures.problems.append(f"{pa.tracking_ref}: read {pa.decision}, the portal "
                                    f"has {entry['decision']}")
        if entry["reference"] != pa.reference_number:
            figures.problems.append(f"{pa.tracking_ref}: reference {pa.reference_number}, "
                                    f"ledger {entry['reference']}")
    return figures


def _decision_matches(pa: Any, truth: dict[str, Any]) -> bool:
    read = pa.decision or {}
    if pa.decision_action != truth["action"]:
        return False
    if (read.get("authorization_number") or None) != truth["authorization_number"]:
        return False
    if truth["approved_from"] and (read.get("approved_from"), read.get("approved_to")) != \
            (truth["approved_from"], truth["approved_to"]):
        return False
    units = sorted((s["procedure_code"], s["units"]) for s in read.get("approved_services", []))
    want = sorted((s["procedure_code"], s["units"]) for s in truth["approved_services"])
    return not want or units == want


def run_bench(carriers: list[str], requests: int, kill_steps: list[str | None], *,
              redis_url: str, threads: int = 2, progress: Progress | None = None) -> Report:
    """Every scenario in turn (no kill, or one per step)."""
    scenarios: list[Figures] = []
    for step in kill_steps:
        scenarios += run_scenario(carriers, requests, kill_at=step, redis_url=redis_url,
                                  threads=threads, progress=progress)
    return Report(scenarios)


def print_report(report: Report, console: Any) -> None:
    from rich.table import Table

    table = Table(title="prior authorization: exactly once, documents, decisions")
    for column in ("carrier", "kill at", "requests", "ledger", "duplicates",
                   "waiting for a person", "found again", "documents verified",
                   "decisions read correctly", "worker deaths", "seconds", "passed"):
        table.add_column(column, no_wrap=column in ("carrier", "kill at"))
    for f in report.scenarios:
        table.add_row(f.carrier, f.kill_at or "-", str(f.requests),
                      str(f.ledger_submissions), str(f.duplicates),
                      str(f.waiting_for_person), str(f.found_after_crash),
                      f"{f.documents_verified}/{f.documents}",
                      f"{f.decisions_correct}/{f.decisions_checked}", str(f.worker_deaths),
                      f"{f.seconds:.0f}", "yes" if f.passed else "NO")
    console.print(table)
    for f in report.scenarios:
        for problem in f.problems[:10]:
            console.print(f"  {f.carrier} ({f.kill_at or 'no kill'}): {problem}")
