"""Placeholder: filled in by the people, tokens and audit pages."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["ui"])
