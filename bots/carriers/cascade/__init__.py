"""Cascade Dental (fictional dental insurer): e-mailed codes, benefits in an iframe, a
benefit summary PDF."""
