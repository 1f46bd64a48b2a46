"""plaintext: Flickr's HTML description fragments as the plain text captions are."""

from __future__ import annotations

import pytest

from flickr_async.plaintext import html_to_text


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("", ""),
        ("plain words", "plain words"),
        ("A <b>lovely</b> <i>church</i>", "A lovely church"),
        ("Fish &amp; chips &lt;3 &quot;yes&quot; &#8230; &eacute;", 'Fish & chips <3 "yes" … é'),
        ("one<br>two<br/>three<BR />four", "one\ntwo\nthree\nfour"),
        ("<p>first</p><p>second</p>", "first\n\nsecond"),
        ('see <a href="https://x.y/" rel="noreferrer nofollow">my site</a>!', "see my site!"),
        ("typed\nnewlines\r\nkept", "typed\nnewlines\nkept"),
        ("  lots   of\t spaces  ", "lots of spaces"),
        ("<script>alert(1)</script>safe", "safe"),
        ("<ul><li>a</li><li>b</li></ul>", "a\nb"),
        ("bell\x07 and nul\x00 dropped", "bell and nul dropped"),
        ("emoji 🌸 and RTL שלום stay", "emoji 🌸 and RTL שלום stay"),
        ("<p></p><p></p><p>x</p>", "x"),
        ("a < b and c > d", "a < b and c > d"),
    ],
)
def test_html_becomes_the_text_a_person_would_read(html: str, text: str) -> None:
    assert html_to_text(html) == text


def test_a_very_long_description_is_kept_whole() -> None:
    html = "<p>" + "word " * 20_000 + "</p>"
    assert html_to_text(html) == ("word " * 20_000).strip()
