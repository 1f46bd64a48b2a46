"""Job reasons: each names why a job exists and what a dry run says it would do."""

from __future__ import annotations

from flickr_async.jobs import Reason


def test_every_reason_has_a_verb_of_its_own() -> None:
    verbs = [reason.verb for reason in Reason]
    assert all(verbs) and len(set(verbs)) == len(verbs)


def test_a_probe_of_the_original_is_not_called_an_update() -> None:
    assert "original" in Reason.UPGRADE.verb and "update" not in Reason.UPGRADE.verb


def test_a_reason_is_its_plain_name_in_reports_and_logs() -> None:
    assert Reason("lost-sidecar") is Reason.LOST_SIDECAR
    assert f"{Reason.REFRESH}" == "refresh" and Reason.REFRESH == "refresh"
