import json

from click.testing import CliRunner

from bots.registry import registry
from portals.cli import main


def test_carriers_lists_every_registered_bot_with_mfa_kinds() -> None:
    result = CliRunner().invoke(main, ["carriers", "--json"])
    assert result.exit_code == 0, result.output
    rows = {row["name"]: row for row in json.loads(result.output)}
    assert set(rows) == set(registry.names())
    assert rows["meridian"]["mfa_kinds"] == ["totp"]
    assert "eligibility" in rows["meridian"]["capabilities"]
