"""JSON printed the way Flickr's export prints it: PHP's pretty printer with tabs.

`"key": value`, one item per line, tab indentation, empty arrays and objects as
`[\\n\\n<indent>]` (a blank line inside), slashes unescaped, non-ASCII as \\uXXXX escapes.
"""

from __future__ import annotations

import json
from typing import Any


def dumps(value: Any) -> str:
    out: list[str] = []
    _write(value, 0, out)
    return "".join(out)


def _write(value: Any, depth: int, out: list[str]) -> None:
    inner = "\t" * (depth + 1)
    if isinstance(value, dict):
        if not value:
            out.append("{\n\n" + "\t" * depth + "}")
            return
        out.append("{\n")
        for i, (key, item) in enumerate(value.items()):
            out.append(f"{inner}{json.dumps(str(key))}: ")
            _write(item, depth + 1, out)
            out.append(",\n" if i < len(value) - 1 else "\n")
        out.append("\t" * depth + "}")
    elif isinstance(value, list | tuple):
        if not value:
            out.append("[\n\n" + "\t" * depth + "]")
            return
        out.append("[\n")
        for i, item in enumerate(value):
            out.append(inner)
            _write(item, depth + 1, out)
            out.append(",\n" if i < len(value) - 1 else "\n")
        out.append("\t" * depth + "]")
    else:
        out.append(json.dumps(value))
