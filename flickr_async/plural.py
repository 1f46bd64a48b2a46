"""Pure: a count with its noun in the right number (`1 video`, `2 videos`), for every output."""

from __future__ import annotations


def plural(n: int, one: str, many: str | None = None) -> str:
    """`1 item`, `0 items`, `1,234 items`; `many` where adding an s is wrong."""
    return f"{n:,} {one if n == 1 else (many or one + 's')}"
