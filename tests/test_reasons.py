"""Every reason code says what it means in words."""

from __future__ import annotations

from medroute.reasons import REASON_TEXT, Reason


def test_every_reason_has_a_sentence() -> None:
    assert set(REASON_TEXT) == set(Reason)
    assert all(Reason(code).text.endswith(".") for code in Reason)
