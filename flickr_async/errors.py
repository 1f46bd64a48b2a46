"""One exception tree; each class knows its exit code and whether a retry may help."""

from __future__ import annotations

from flickr_async.sane import printable

# Exit codes (documented in README, "Exit codes"):
EXIT_OK = 0
EXIT_INCOMPLETE = 1  # some items failed, or the listing came back short
EXIT_USAGE = 2  # usage or configuration error, or a run refused (another account's archive)
EXIT_AUTH = 3  # authentication error
EXIT_LOCKED = 4  # another run holds the lock on OUT
EXIT_FAILED = 5  # the run could not do its job: storage, state, network, internal error
EXIT_INTERRUPTED = 130  # Ctrl-C (128 + SIGINT)
EXIT_TERMINATED = 143  # SIGTERM (128 + SIGTERM)


class FlickrAsyncError(Exception):
    """Base of every error the tool raises on purpose. `str()` is a one-line user message.

    One that ends a run means the run could not do its job (EXIT_FAILED); items that failed
    while the run went on are counted, not raised, and give EXIT_INCOMPLETE."""

    exit_code = EXIT_FAILED


class ConfigError(FlickrAsyncError):
    """Missing or invalid settings (API key, paths, options)."""

    exit_code = EXIT_USAGE


class OtherAccountError(ConfigError):
    """The credentials are another Flickr account's than the one the archive holds."""


class Terminated(FlickrAsyncError):
    """SIGTERM stopped the run (as Ctrl-C does, the disk is left consistent)."""

    exit_code = EXIT_TERMINATED

    def __init__(self) -> None:
        super().__init__("terminated (SIGTERM); rerun to carry on")


class LockHeldError(FlickrAsyncError):
    """Another flickr-async run holds the lock on this output folder."""

    exit_code = EXIT_LOCKED


class FatalError(FlickrAsyncError):
    """An error every other item would meet too (a refused token, a full disk): a stage lets
    it through to stop the run instead of failing one item and going on (rclone's
    fserrors.Fatal). Stages catch it first, `except FatalError: raise`, before their broad
    `except FlickrAsyncError` that records one item's failure.

    A spent --max-api-calls budget is not one: what needs a call waits for the next run while
    this run finishes the rest (ApiBudgetSpent)."""


class StorageError(FatalError):
    """The output folder cannot be written (disk full, permissions, corrupt state)."""


class TransientError(FlickrAsyncError):
    """A failure a later attempt may not see: the one retry policy retries these only.

    `retry_after` is the server's Retry-After in seconds, when it sent one.
    """

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RateLimitedError(TransientError):
    """HTTP 429 (Flickr answers it with a tiny HTML body, sometimes with Retry-After)."""


class NetworkError(TransientError):
    """Connection refused/reset, timeout, truncated body, HTTP 5xx, unparsable body."""


class APIError(FlickrAsyncError):
    """Flickr answered stat=fail with a code that retrying will not fix."""

    def __init__(self, code: int, message: str, method: str = "") -> None:
        where = f"{method}: " if method else ""
        message = printable(message, multiline=False)  # Flickr's text: one line, no escapes
        super().__init__(f"{where}Flickr error {code}: {message}")
        self.code = code
        self.flickr_message = message
        self.method = method


class TransientAPIError(TransientError):
    """stat=fail 0/105/106/201 or "service not currently available": retry later."""

    def __init__(self, code: int, message: str, method: str = "") -> None:
        where = f"{method}: " if method else ""
        message = printable(message, multiline=False)
        super().__init__(f"{where}Flickr error {code} (temporary): {message}")
        self.code = code
        self.method = method


class NotFoundError(APIError):
    """Code 1 (and 2 for getExif/geo): the item is gone or not visible to this token."""


class CredentialsError(FlickrAsyncError):
    """No usable credentials (no key, no token file, a refused OAuth step)."""

    exit_code = EXIT_AUTH


class AuthError(APIError, FatalError):
    """Bad key, signature, token or permissions (codes 95-100): fix credentials, do not retry."""

    exit_code = EXIT_AUTH


class CredentialsRejectedError(AuthError):
    """HTTP 401 with `oauth_problem=...` (a revoked token, a bad signature): the real REST
    endpoint answers these in text/plain, not as a stat=fail code."""

    def __init__(self, problem: str, method: str = "") -> None:
        super().__init__(401, problem or "HTTP 401", method)
        reason = f"oauth_problem={problem}" if problem else "HTTP 401"
        where = f"{method}: " if method else ""
        self.args = (f"{where}Flickr refused the credentials ({reason}); run `flickr-async auth`",)


class ApiBudgetSpent(FlickrAsyncError):
    """--max-api-calls is reached: no further API call in this run (never retried). What
    needed one waits for the next run; it is not a failure of the item."""

    def __init__(self, budget: int) -> None:
        super().__init__(f"the run's API call budget (--max-api-calls {budget}) is spent")
        self.budget = budget


class DownloadError(FlickrAsyncError):
    """A file could not be fetched for a reason a retry in this run will not fix (403/404...)."""


class TooLargeError(FlickrAsyncError):
    """An answer or a file past its documented ceiling (a compression bomb, an endless
    stream): the same request would only send the same again, so it is never retried."""


def is_transient(exc: BaseException) -> bool:
    """True when the one retry policy should try again."""
    return isinstance(exc, TransientError)


def exit_code_of(exc: BaseException) -> int:
    """The exit status a run ended by `exc` has (the CLI prints its line apart)."""
    if isinstance(exc, KeyboardInterrupt):
        return EXIT_INTERRUPTED
    if isinstance(exc, FlickrAsyncError):
        return exc.exit_code
    return EXIT_FAILED  # an internal error
