"""(issue 10) routes; see the module's owner."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
