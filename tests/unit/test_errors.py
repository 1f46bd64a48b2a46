"""Which errors stop a run (FatalError) and which fail one item: the stage boundary's rule."""

from __future__ import annotations

import asyncio

import pytest

from flickr_async.errors import (
    EXIT_AUTH,
    EXIT_FAILED,
    ApiBudgetSpent,
    AuthError,
    CredentialsRejectedError,
    DownloadError,
    FatalError,
    NotFoundError,
    StorageError,
    exit_code_of,
)
from flickr_async.jobs import Failed, Job, Message, Reason, WorkerExit, serve_jobs
from flickr_async.models import photo_from_listing


def test_a_refused_token_and_an_unwritable_archive_stop_the_run() -> None:
    assert isinstance(AuthError(98, "Invalid auth token"), FatalError)
    assert isinstance(CredentialsRejectedError("token_rejected"), FatalError)
    assert isinstance(StorageError("disk full"), FatalError)


def test_a_spent_budget_and_one_item_s_failure_do_not_stop_the_run() -> None:
    assert not isinstance(ApiBudgetSpent(10), FatalError)
    assert not isinstance(NotFoundError(1, "Photo not found"), FatalError)
    assert not isinstance(DownloadError("HTTP 404"), FatalError)


def test_fatal_errors_keep_their_exit_codes() -> None:
    assert exit_code_of(AuthError(98, "Invalid auth token")) == EXIT_AUTH
    assert exit_code_of(CredentialsRejectedError("token_rejected")) == EXIT_AUTH
    assert exit_code_of(StorageError("disk full")) == EXIT_FAILED


async def serve_one(error: Exception) -> list[Message]:
    """One job through serve_jobs whose handler raises `error`: the messages it sends."""
    photo = photo_from_listing({"id": "1", "owner": "o", "title": "t"})
    jobs: asyncio.Queue[Job | None] = asyncio.Queue()
    results: asyncio.Queue[Message] = asyncio.Queue()
    jobs.put_nowait(Job(photo, True, False, None, Reason.NEW))
    jobs.put_nowait(None)

    async def handle(job: Job) -> Message:
        raise error

    await serve_jobs("download", jobs, results, handle)
    return [results.get_nowait() for _ in range(results.qsize())]


@pytest.mark.parametrize("error", [AuthError(98, "bad token"), StorageError("disk full")])
async def test_a_worker_lets_a_fatal_error_through(error: FatalError) -> None:
    with pytest.raises(type(error)):
        await serve_one(error)


async def test_a_worker_turns_one_item_s_error_into_its_failure_and_goes_on() -> None:
    messages = await serve_one(NotFoundError(1, "Photo not found"))
    assert messages == [
        Failed("1", "download", "Flickr error 1: Photo not found"),
        WorkerExit("download"),
    ]


async def test_a_worker_defers_an_item_when_the_budget_is_spent() -> None:
    [failed, _] = await serve_one(ApiBudgetSpent(10))
    assert isinstance(failed, Failed) and failed.deferred
