import io
import json
import zipfile
from urllib.parse import quote_plus

from bots.redact import REDACTED, contains_secret, redact

SECRET = 'p@ss w&rd"<ö>'


def test_every_encoded_form_of_a_secret_is_replaced() -> None:
    # given a page and a trace line that carry the secret raw, URL-, JSON- and HTML-encoded
    data = (
        f"raw={SECRET} form={quote_plus(SECRET)} json={json.dumps(SECRET)} "
        "html=p@ss w&amp;rd&quot;&lt;ö&gt;"
    ).encode()
    # when it is redacted
    out = redact(data, [SECRET])
    # then no form is left
    assert not contains_secret(out, [SECRET])
    assert out.count(REDACTED) == 4


def test_zip_members_are_redacted() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("trace.trace", json.dumps({"params": {"value": SECRET}}))
        archive.writestr("resources/body", f"password={quote_plus(SECRET)}")
    data = buffer.getvalue()
    assert contains_secret(data, [SECRET])
    out = redact(data, [SECRET])
    assert not contains_secret(out, [SECRET])
    with zipfile.ZipFile(io.BytesIO(out)) as archive:
        assert b"[REDACTED]" in archive.read("trace.trace")


def test_data_without_secrets_is_unchanged() -> None:
    assert redact(b"<html>nothing here</html>", [SECRET]) == b"<html>nothing here</html>"
