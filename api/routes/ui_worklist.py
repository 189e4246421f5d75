"""The morning worklist: a day's visits with coverage as of the last check, what changed
since the one before, each planned code's coverage and authorization, failures with a
one-click retry; refreshes itself while checks run; CSV export. Registered with the
appointments pages (Permission.APPOINTMENTS)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.audit_reads import FRAGMENT_DEDUPE, audit_list, audit_read, list_detail
from api.audit_views import csv_cell
from api.deps import SessionDep, SettingsDep, StaffUser, TemplatesDep
from api.ui import render
from storage.models import Batch
from storage.schedules import batch_progress
from storage.worklist import WorklistRow, still_running, worklist

router = APIRouter(tags=["ui"])

PAGE = "/worklist"
CSV_COLUMNS = ("visit_date", "visit_time", "last_name", "first_name", "date_of_birth",
               "carrier", "member_id", "provider", "status", "checked_at", "changes",
               "codes", "needs_attention", "failure")


def _day(request: Request, settings: SettingsDep) -> tuple[dt.date, str | None]:
    """The day asked for (``?date=YYYY-MM-DD``), else today in the practice's time zone;
    a date that does not parse is named and today is shown."""
    today = dt.datetime.now(ZoneInfo(settings.practice_timezone)).date()
    raw = request.query_params.get("date", "")
    if not raw:
        return today, None
    try:
        return dt.date.fromisoformat(raw[:10]), None
    except ValueError:
        return today, f"“{raw[:20]}” is not a date (YYYY-MM-DD): showing today."


def _latest_batch(session: SessionDep) -> tuple[Batch | None, dict[str, int] | None]:
    from sqlmodel import col, select

    batch = session.exec(select(Batch).where(Batch.kind == "eligibility_upcoming")
                         .order_by(col(Batch.created_at).desc())).first()
    if batch is None:
        return None, None
    return batch, batch_progress(session=session, batch_id=batch.id).as_dict()


def _context(session: SessionDep, day: dt.date) -> dict[str, object]:
    rows = worklist(session=session, day=day)
    batch, progress = _latest_batch(session)
    running = still_running(rows) or bool(progress and progress["left"])
    return {"rows": rows, "day": day, "running": running, "batch": batch,
            "progress": progress, "attention": sum(r.needs_attention for r in rows),
            "previous": day - dt.timedelta(days=1), "next": day + dt.timedelta(days=1)}


def _ids(rows: list[WorklistRow]) -> list[str]:
    return [str(row.visit.id) for row in rows]


@router.get(PAGE, response_class=HTMLResponse)
def worklist_page(request: Request, session: SessionDep, settings: SettingsDep,
                  templates: TemplatesDep, user: StaffUser) -> Response:
    day, problem = _day(request, settings)
    context = _context(session, day)
    audit_list(session=session, actor=user, target="appointment", resource=PAGE,
               filters={"date": day.isoformat()}, ids=_ids(context["rows"]))  # type: ignore[arg-type]
    return render(request, templates, "worklist.html", {**context, "problem": problem},
                  user=user)


@router.get(PAGE + "/fragment", response_class=HTMLResponse)
def worklist_fragment(request: Request, session: SessionDep, settings: SettingsDep,
                      templates: TemplatesDep, user: StaffUser) -> Response:
    """The live part, polled while checks run (audited once per person and day per
    :data:`FRAGMENT_DEDUPE`)."""
    day, _problem = _day(request, settings)
    context = _context(session, day)
    audit_read(session=session, actor=user, action="appointment.list", target_type="list",
               target_id=f"{PAGE}?date={day.isoformat()}",
               detail=list_detail({"date": day.isoformat()}, _ids(context["rows"])),  # type: ignore[arg-type]
               dedupe=FRAGMENT_DEDUPE)
    response = render(request, templates, "_worklist_live.html", context, user=user)
    response.headers["X-Check-Finished"] = "false" if context["running"] else "true"
    return response


def _codes_text(row: WorklistRow) -> str:
    parts = []
    for line in row.codes:
        words = [line.code, line.covered]
        if line.cost_share:
            words.append(line.cost_share)
        if line.needs_auth:
            words.append(f"authorization {line.auth or 'missing'}")
        parts.append(" ".join(words))
    return "; ".join(parts)


@router.get(PAGE + ".csv", response_class=Response)
def worklist_csv(request: Request, session: SessionDep, settings: SettingsDep,
                 user: StaffUser) -> Response:
    """The day's worklist as CSV (formula-safe cells); the export is audited."""
    day, _problem = _day(request, settings)
    rows = worklist(session=session, day=day)
    audit_list(session=session, actor=user, target="appointment", resource=PAGE + ".csv",
               filters={"date": day.isoformat()}, ids=_ids(rows))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        visit = row.visit
        writer.writerow([csv_cell(value) for value in (
            visit.visit_date, visit.visit_time, visit.last_name, visit.first_name,
            visit.date_of_birth, visit.carrier, visit.member_id, visit.provider, row.status,
            row.checked_at.isoformat() if row.checked_at else "",
            "; ".join(change.summary for change in row.changes), _codes_text(row),
            "yes" if row.needs_attention else "no", row.failure or "")])
    return Response(out.getvalue(), media_type="text/csv", headers={
        "Content-Disposition": f'attachment; filename="worklist-{day.isoformat()}.csv"'})
