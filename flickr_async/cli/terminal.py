"""What reaches the terminal and the log files is printable: no control character from outside.

Titles, ids and Flickr's error messages are other people's text. Printed verbatim, an
ESC ] 0 sequence retitles the window, a CSI clears the screen or hides what came before,
a carriage return overwrites a line. The one rule (sane.printable) is applied at the output
boundary, not at each print: stdout and stderr are wrapped while a command runs, and every
log handler formats through PrintableFormatter.
"""

from __future__ import annotations

import contextlib
import io
import logging
import sys
from collections.abc import Iterator
from typing import Any, TextIO

from flickr_async.sane import printable


class PrintableStream(io.TextIOBase):
    """A text stream that replaces control characters (but newline and tab) before they
    reach `stream`; otherwise it is `stream` (encoding, isatty, fileno)."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self.unfiltered = stream

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return str(getattr(self.unfiltered, "encoding", None) or "utf-8")

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return getattr(self.unfiltered, "errors", None)

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.unfiltered.write(printable(text))
        return len(text)

    def flush(self) -> None:
        if not self.unfiltered.closed:  # also called when this wrapper is collected
            self.unfiltered.flush()

    def isatty(self) -> bool:
        return self.unfiltered.isatty()

    def fileno(self) -> int:
        return self.unfiltered.fileno()


def unfiltered(stream: TextIO) -> TextIO:
    """The stream under a PrintableStream: for rich's progress bar, whose escapes are its
    own and whose text is numbers and fixed words."""
    return stream.unfiltered if isinstance(stream, PrintableStream) else stream


@contextlib.contextmanager
def printable_output() -> Iterator[None]:
    """sys.stdout and sys.stderr filtered by PrintableStream until the block ends."""
    saved: tuple[TextIO, TextIO] = (sys.stdout, sys.stderr)
    sys.stdout, sys.stderr = (_filtered(stream) for stream in saved)
    try:
        yield
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        sys.stdout, sys.stderr = saved


def _filtered(stream: TextIO) -> TextIO:
    if stream is None or isinstance(stream, PrintableStream):  # pythonw has no streams
        return stream
    return PrintableStream(stream)  # type: ignore[return-value]


class PrintableFormatter(logging.Formatter):
    """A log record's message on one line, without control characters; a traceback keeps its
    lines but not the control characters its messages may carry."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        return printable(super().formatMessage(record), multiline=False)

    def formatException(self, ei: Any) -> str:
        return printable(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:
        return printable(super().formatStack(stack_info))
