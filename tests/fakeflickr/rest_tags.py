"""flickr.tags.getListUserRaw: every raw spelling of the owner's tags, in one call."""

from __future__ import annotations

from collections.abc import Mapping

from tests.fakeflickr.context import Caller, JSONDict, ServerContext


def tags_get_list_user_raw(
    ctx: ServerContext, caller: Caller, params: Mapping[str, str]
) -> JSONDict:
    """Each clean tag with the raw forms typed on any of the owner's photos, machine tags
    included (`dc:identifier=https://x.org/a` under `dc:identifier=httpsxorga`). A clean
    tag with several spellings does not say which photo has which: only getInfo does.

    `tag` keeps only that clean tag, matched as given (a raw spelling finds nothing). The
    JSON is Flickr's XML turned over by its usual rule (`<raw>` text as `_content`); no
    JSON capture was found. No tags at all: `"tag": []`."""
    library = ctx.library
    spellings = library.raw_tags(params.get("tag") or None)
    tags = [
        {"clean": clean, "raw": [{"_content": raw} for raw in raws]}
        for clean, raws in spellings.items()
    ]
    return {"who": {"id": library.owner.nsid, "tags": {"tag": tags}}}
