"""Summit Benefit Administrators (fictional TPA): the legacy, framed "Summit Online"."""
