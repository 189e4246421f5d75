"""The portals' document libraries (issue 10, item 4): tables registered through
:mod:`storage.models`; migration 0008."""

from __future__ import annotations
