"""Which file a worker fetches: the original when offered, never a video's poster."""

from __future__ import annotations

from flickr_async.downloader import Source, choose_photo_size, rank_video_sizes
from flickr_async.models import Size


def best_video(sizes: list[Size]) -> Source | None:
    ranked = rank_video_sizes(sizes)
    return ranked[0] if ranked else None


def size(label: str, w: int | None, h: int | None, media: str = "photo") -> Size:
    return Size(label=label, width=w, height=h, source=f"http://x/{label}", media=media)


def test_a_video_prefers_its_video_original() -> None:
    sizes = [
        size("Original", 1920, 1080),
        size("Site MP4", 640, 360, "video"),
        size("Video Original", 1920, 1080, "video"),
    ]
    chosen = best_video(sizes)
    assert chosen is not None and chosen.original and chosen.label == "Video Original"


def test_a_video_without_its_original_takes_the_best_rendition_not_the_poster() -> None:
    sizes = [
        size("Original", 4000, 3000),
        size("Video Player", 640, 360, "video"),
        size("360p", None, None, "video"),
        size("1080p", None, None, "video"),
        size("720p", None, None, "video"),
    ]
    chosen = best_video(sizes)
    assert chosen is not None and chosen.label == "1080p" and not chosen.original


def test_a_video_with_only_a_player_has_nothing_to_download() -> None:
    assert best_video([size("Video Player", 640, 360, "video")]) is None


def test_a_photo_without_original_takes_the_largest_size() -> None:
    sizes = [size("Medium", 500, 375), size("Large 1024", 1024, 768), size("Small", 240, 180)]
    chosen = choose_photo_size(sizes)
    assert chosen is not None and chosen.label == "Large 1024" and not chosen.original
