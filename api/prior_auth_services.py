"""What the API and the web UI do with prior-authorization requests, once.

Submit one (its files checked against the carrier's portal limits, and the whole request
against the model the bot submits, before anything is stored; store and commit, then
enqueue), read an attached file or a downloaded letter (audited before the bytes leave),
queue a status read, and record a person's decision on an unknown outcome. Routes turn
the exceptions into HTTP answers (API) or errors beside the fields (web form).
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from api.middleware import MAX_BODY_BYTES
from api.prior_auth_schemas import PriorAuthCreate
from api.services import IdempotencyConflict, NotFoundError, read_artifact
from bots.base import UploadLimits
from bots.registry import UnknownCarrier, registry
from portals.documents import FileProblem, check_files, detect_type
from portals.jobs import Capability
from portals.prior_auth import PriorAuthRequest
from storage import prior_auths, repo
from storage.artifacts import ArtifactStore
from storage.crypto import VaultError
from storage.models import (
    Artifact,
    Job,
    JobStatus,
    PriorAuth,
    PriorAuthDocument,
    PriorAuthState,
    utcnow,
)
from storage.prior_auths import NewFile, PriorAuthConflict, Resolution
from workflows.dispatch import send_job

log = logging.getLogger(__name__)

FORM_MARGIN = 256 * 1024
"""Room for the request JSON, the web form's fields and the multipart framing, on top of
the files a carrier takes."""
REFRESH_EVENT = "refresh_requested"
_ID = re.compile(r"^[0-9a-f]{32}$")
_FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._()-]*$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_PLACEHOLDER_REF = "PA-0000000000"

@dataclass(frozen=True)
class Upload:
    """A file as it came in (name as the client sent it, bytes as they are)."""

    filename: str
    data: bytes


@dataclass(frozen=True)
class SubmittedPriorAuth:
    prior_auth: PriorAuth
    job: Job | None
    created: bool


@dataclass(frozen=True)
class FileOut:
    filename: str
    content_type: str
    data: bytes


class FilesRefused(Exception):
    """Files the carrier's portal would not take (each problem names the file and rule)."""

    def __init__(self, problems: Sequence[FileProblem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = list(problems)


class RequestInvalid(Exception):
    """The request as a whole is not one the bot could submit (pydantic-style errors with
    their ``loc`` inside the request)."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__("; ".join(str(e["msg"]) for e in errors))
        self.errors = errors


# -- limits ---------------------------------------------------------------------------


def limits_of(carrier: str) -> UploadLimits:
    """The carrier's portal limits on clinical documents (the carrier serves prior
    authorization: :class:`PriorAuthCreate` checked it)."""
    limits = registry.get(carrier).prior_auth_limits
    if limits is None:
        raise ValueError(f"carrier {carrier!r} takes no prior-authorization documents")
    return limits


def body_cap(limits: UploadLimits) -> int:
    """The largest request body a submission to such a portal can need."""
    return limits.max_files * limits.max_bytes + FORM_MARGIN


def largest_body() -> int:
    """The body size limit of the upload routes: what the most generous carrier needs."""
    caps = [body_cap(bot.prior_auth_limits) for bot in registry.all()
            if Capability.PRIOR_AUTH in bot.capabilities and bot.prior_auth_limits]
    return max([MAX_BODY_BYTES, *caps])


def carrier_body_cap(carrier: str) -> int | None:
    try:
        return body_cap(limits_of(carrier))
    except (UnknownCarrier, ValueError):
        return None


# -- submit ---------------------------------------------------------------------------


def shown_name(filename: str) -> str:
    """A file name as it may appear in a message (control characters made visible)."""
    return _CONTROL.sub("?", filename)[:160] or "(no name)"


def _name_problems(uploads: Sequence[Upload]) -> list[FileProblem]:
    problems = []
    for upload in uploads:
        name, shown = upload.filename, shown_name(upload.filename)
        if not name:
            problems.append(FileProblem(shown, "name", "a file was sent without a name"))
        elif _CONTROL.search(name) or "/" in name or "\\" in name or ".." in name:
            problems.append(FileProblem(shown, "name", f"{shown}: a file name may hold no "
                                        "path and no control characters"))
        elif len(name) > 120 or not _FILE_NAME.match(name):
            problems.append(FileProblem(shown, "name", f"{shown}: a file name holds letters, "
                                        "digits, spaces and . _ ( ) - only, starts with a "
                                        "letter or digit, 120 characters at most"))
    return problems


def _same_content(uploads: Sequence[Upload]) -> list[FileProblem]:
    seen: dict[str, str] = {}
    problems = []
    for upload in uploads:
        digest = hashlib.sha256(upload.data).hexdigest()
        if upload.data and digest in seen:
            problems.append(FileProblem(upload.filename, "duplicate",
                                        f"{upload.filename}: the same file as "
                                        f"{seen[digest]}"))
        seen.setdefault(digest, upload.filename)
    return problems


def check_uploads(carrier: str, uploads: Sequence[Upload]) -> list[NewFile]:
    """The files as the store keeps them (type from content), or :class:`FilesRefused`
    naming every file the carrier's portal would refuse and why."""
    problems = _name_problems(uploads)
    if problems:
        raise FilesRefused(problems)
    problems = check_files([(u.filename, u.data) for u in uploads], limits_of(carrier),
                           carrier) + _same_content(uploads)
    if problems:
        raise FilesRefused(problems)
    files = []
    for upload in uploads:
        content_type = detect_type(upload.data)
        assert content_type is not None  # check_files refused anything else
        files.append(NewFile(filename=upload.filename, content_type=content_type,
                             data=upload.data))
    return files


def _as_submitted(fields: dict[str, Any], files: Sequence[NewFile]) -> None:
    """Validate the request as the bot will submit it, documents included, before
    anything is written (the store writes the files first)."""
    documents = [{"document_id": "0" * 32, "filename": f.filename,
                  "content_type": f.content_type, "size": len(f.data),
                  "sha256": hashlib.sha256(f.data).hexdigest()} for f in files]
    try:
        PriorAuthRequest.model_validate({**fields, "tracking_ref": _PLACEHOLDER_REF,
                                         "documents": documents})
    except ValidationError as exc:
        errors = []
        for error in exc.errors():
            loc = tuple(error.get("loc", ()))
            where = ("body", "files") if loc[:1] == ("documents",) else ("body", "request",
                                                                         *loc)
            errors.append({"loc": where, "msg": error["msg"], "type": error["type"]})
        raise RequestInvalid(errors) from None


class _RecordingStore(ArtifactStore):
    """The artifact store, remembering what it wrote (to take it back on a rollback)."""

    def __init__(self, store: ArtifactStore) -> None:
        super().__init__(store.root, store.vault)
        self.written: list[str] = []

    def write(self, run_id: str, filename: str, data: bytes) -> tuple[str, str]:
        rel, sha = super().write(run_id, filename, data)
        self.written.append(rel)
        return rel, sha

    def take_back(self) -> None:
        for rel in self.written:
            self.delete(rel)
            folder = (self.root / rel).parent
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()


def _replay(session: Session, key: str, fingerprint: str) -> SubmittedPriorAuth | None:
    existing = prior_auths.find_by_idempotency_key(session=session, key=key)
    if existing is None:
        return None
    if existing.request_fingerprint != fingerprint:
        raise IdempotencyConflict("this Idempotency-Key was already used for a different "
                                  "request")
    job = repo.get_job(session=session, job_id=existing.submit_job_id) \
        if existing.submit_job_id else None
    return SubmittedPriorAuth(existing, job, created=False)


def submit_prior_auth(*, session: Session, store: ArtifactStore, body: PriorAuthCreate,
                      uploads: Sequence[Upload], actor: str,
                      idempotency_key: str | None = None, origin: str = "api"
                      ) -> SubmittedPriorAuth:
    """Check the files and the request, store both with the submission job, commit, then
    enqueue. A repeated Idempotency-Key with the same request and files returns the first;
    with anything else, :class:`IdempotencyConflict`. Nothing is stored (no row, no file)
    when this raises."""
    files = check_uploads(body.carrier, uploads)
    fields = body.to_fields()
    _as_submitted(fields, files)
    fingerprint = prior_auths.fingerprint(fields, files)
    if idempotency_key is not None:
        replayed = _replay(session, idempotency_key, fingerprint)
        if replayed is not None:
            return replayed
    recording = _RecordingStore(store)
    try:
        pa, job = prior_auths.create(session=session, store=recording, fields=fields,
                                     files=files, created_by=actor,
                                     idempotency_key=idempotency_key, origin=origin)
        session.commit()
    except IntegrityError:
        # Another request with the same key won the race: answer with its request.
        session.rollback()
        recording.take_back()
        replayed = _replay(session, idempotency_key, fingerprint) if idempotency_key \
            else None
        if replayed is None:
            raise
        return replayed
    except BaseException:
        session.rollback()
        recording.take_back()
        raise
    _enqueue(job.id)
    return SubmittedPriorAuth(pa, job, created=True)


def _enqueue(job_id: str) -> None:
    try:
        send_job(job_id)
    except Exception:
        log.exception("prior-authorization job %s stored but not enqueued; the recovery "
                      "sweep will send it", job_id)


# -- read -----------------------------------------------------------------------------


def get_request(*, session: Session, pa_id: str) -> PriorAuth:
    """The request with this id; anything that cannot be an id is not looked up."""
    pa = prior_auths.get(session=session, pa_id=pa_id) if _ID.match(pa_id) else None
    if pa is None:
        raise NotFoundError("no such prior-authorization request")
    return pa


def letters(*, session: Session, pa: PriorAuth) -> list[Artifact]:
    """The confirmation and decision letters kept with the request's jobs' results (the
    newest copy of each, oldest first)."""
    found: dict[str, Artifact] = {}
    for job in prior_auths.jobs(session=session, pa=pa):
        for artifact in repo.result_documents(session=session, job_id=job.id):
            found.pop(artifact.sha256, None)
            found[artifact.sha256] = artifact
    return list(found.values())


def read_document(*, session: Session, store: ArtifactStore, pa: PriorAuth,
                  document_id: str, actor: str) -> FileOut:
    """An attached file's plain bytes, or a downloaded letter's, after recording who
    viewed it."""
    if not _ID.match(document_id):
        raise NotFoundError("no such document on this request")
    document = session.get(PriorAuthDocument, document_id)
    if document is not None and document.prior_auth_id == pa.id:
        try:
            data = store.read(document.path)
        except (OSError, ValueError, VaultError) as exc:
            log.warning("prior-auth document %s unreadable: %s", document.id,
                        type(exc).__name__)
            raise NotFoundError("the document's file is gone or unreadable") from None
        if hashlib.sha256(data).hexdigest() != document.sha256:
            log.error("prior-auth document %s does not match its SHA-256", document.id)
            raise NotFoundError("the document's file is gone or unreadable")
        repo.audit(session=session, actor=actor, action=prior_auths.DOCUMENT_VIEW_ACTION,
                   target_type="prior_auth_document", target_id=document.id,
                   detail=f"prior auth {pa.id}, document {document.position + 1}")
        session.commit()
        return FileOut(document.filename, document.content_type, data)
    letter = next((a for a in letters(session=session, pa=pa) if a.id == document_id), None)
    if letter is None:
        raise NotFoundError("no such document on this request")
    artifact, data = read_artifact(session=session, store=store, run_id=letter.run_id,
                                   artifact_id=letter.id, actor=actor)
    return FileOut(artifact.filename, artifact.content_type, data)


# -- follow up ------------------------------------------------------------------------


def pending_jobs(*, session: Session, pa: PriorAuth) -> list[Job]:
    """The request's jobs a worker has yet to finish."""
    return [job for job in prior_auths.jobs(session=session, pa=pa)
            if not JobStatus(job.status).finished]


def refresh_status(*, session: Session, pa: PriorAuth, actor: str, origin: str = "api"
                   ) -> tuple[Job, bool]:
    """Queue a status read of a submitted request (:class:`PriorAuthConflict` otherwise);
    one already waiting is returned instead of a second. True when queued now."""
    waiting = next((job for job in pending_jobs(session=session, pa=pa)
                    if job.kind == prior_auths.STATUS_KIND), None)
    if waiting is not None and pa.state == PriorAuthState.SUBMITTED:
        return waiting, False
    job = prior_auths.queue_status_check(session=session, pa=pa, origin=origin)
    prior_auths.add_event(session=session, pa=pa, event=REFRESH_EVENT, job_id=job.id,
                          actor=actor)
    session.commit()
    _enqueue(job.id)
    return job, True


def resolve_request(*, session: Session, pa: PriorAuth, resolution: Resolution, actor: str,
                    note: str) -> Job | None:
    """A person's decision on an unknown outcome or a failure: resubmit (the new job is
    sent) or close. Audited (:func:`storage.prior_auths.resolve`). Two people deciding at
    once: the second gets :class:`PriorAuthConflict`, so a request is never resubmitted
    twice."""
    claimed = session.connection().execute(
        update(PriorAuth)
        .where(col(PriorAuth.id) == pa.id, col(PriorAuth.state) == pa.state,
               col(PriorAuth.updated_at) == pa.updated_at)
        .values(updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        session.rollback()
        raise PriorAuthConflict("the request changed meanwhile; reload it and decide again")
    try:
        job = prior_auths.resolve(session=session, pa=pa, resolution=resolution, actor=actor,
                                  note=note)
    except PriorAuthConflict:
        session.rollback()
        raise
    session.commit()
    if job is not None:
        _enqueue(job.id)
    return job

