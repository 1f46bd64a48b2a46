"""Pure: a count with its noun in the right number (`1 video`, `2 videos`), and a size with
its unit (`3.2 MiB`), for every output."""

from __future__ import annotations


def plural(n: int, one: str, many: str | None = None) -> str:
    """`1 item`, `0 items`, `1,234 items`; `many` where adding an s is wrong."""
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def human_bytes(n: float) -> str:
    """`512 B`, `3.2 MiB`: binary units, one decimal."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"
