"""One route module per resource. API modules serve /v1 behind the admin token; ``ui_*``
modules serve the staff web UI behind the login session."""
