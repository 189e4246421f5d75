"""Submitting a prior authorization exactly once: the one shape every carrier's bot uses.

:func:`submit_once` runs the steps in this order, and the order is the guarantee:

1. look for the request in the portal's list of submitted requests (by our tracking
   reference in the note, or by patient, codes and dates): found means an earlier run
   submitted it; it is returned as found, never submitted again;
2. fill the form and upload every document (``before_upload``, ``during_upload``);
3. read the portal's list of attached files back: every document must be there with its
   size, else :class:`~bots.errors.UploadNotAccepted` and nothing is submitted
   (``after_upload``);
4. ``ctx.commit()``: the runner records the point of no return durably, or refuses (this
   run lost its job) and the click never happens;
5. click submit (``after_submit_click``), read the reference (``after_reference``).

A run that dies after 4 leaves a job that is only ever looked for again
(:meth:`bots.base.CarrierBot.find_prior_auth`), never submitted by itself.

The steps are reported to the run's timeline (``ctx.on_event``) under the names in
:class:`Step`; the kill-at benchmark stops a worker at each of them.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import TYPE_CHECKING

from bots.errors import UploadNotAccepted
from portals.prior_auth import PortalFile, PriorAuthCase, PriorAuthRequest, missing_files

if TYPE_CHECKING:
    from bots.base import BotContext


class Step(StrEnum):
    """The steps of a submission, as reported to the run's timeline."""

    BEFORE_UPLOAD = "before_upload"
    DURING_UPLOAD = "during_upload"
    AFTER_UPLOAD = "after_upload"
    AFTER_SUBMIT_CLICK = "after_submit_click"
    AFTER_REFERENCE = "after_reference"


def submit_once(
    ctx: BotContext,
    request: PriorAuthRequest,
    *,
    find: Callable[[], PriorAuthCase | None],
    fill: Callable[[], None],
    upload: Callable[[Callable[[], None]], None],
    listed_files: Callable[[], list[PortalFile]],
    click_submit: Callable[[], None],
    confirmation: Callable[[], PriorAuthCase],
) -> PriorAuthCase:
    """Submit ``request`` unless the portal has it already; see the module's docstring.

    ``upload(uploaded)`` attaches every document and calls ``uploaded()`` after each file
    the portal took; ``listed_files()`` reads what the form lists as attached;
    ``confirmation()`` reads the submitted request (reference, time, files, status).
    """
    existing = find()
    if existing is not None:
        ctx.on_event("found_existing")
        return existing.model_copy(update={"found_existing": True})
    fill()
    ctx.on_event(Step.BEFORE_UPLOAD)
    if request.documents:
        upload(lambda: ctx.on_event(Step.DURING_UPLOAD))
    problems = missing_files(request.documents, listed_files())
    if problems:
        raise UploadNotAccepted("the portal did not take every file, nothing was submitted: "
                                + "; ".join(problems))
    ctx.on_event(Step.AFTER_UPLOAD)
    ctx.commit()
    click_submit()
    ctx.on_event(Step.AFTER_SUBMIT_CLICK)
    case = confirmation()
    ctx.on_event(Step.AFTER_REFERENCE)
    return case


def file_payload(ctx: BotContext, request: PriorAuthRequest, index: int
                 ) -> dict[str, object]:
    """A document as Playwright's ``set_input_files`` takes it (name, type, bytes), read
    from the run's document source (which checks its SHA-256)."""
    if ctx.documents is None:
        raise UploadNotAccepted("this run was given no documents to upload")
    document = request.documents[index]
    return {"name": document.filename, "mimeType": document.content_type,
            "buffer": ctx.documents.read(document)}
