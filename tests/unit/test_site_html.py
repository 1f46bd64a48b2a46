"""The site's escaping, sanitizer and links: other people's text never becomes markup."""

from __future__ import annotations

import pytest

from flickr_async.site.html import Linker, esc, href, safe_link, sanitize, url_path

REL = 'rel="noopener noreferrer nofollow"'


# --- escaping --------------------------------------------------------------------------------


def test_esc_escapes_markup_and_both_quotes() -> None:
    assert esc("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert esc("\"a\" & 'b'") == "&quot;a&quot; &amp; &#x27;b&#x27;"


# --- the sanitizer ---------------------------------------------------------------------------


def test_script_in_a_description_shows_as_text() -> None:
    assert sanitize("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_allowed_tags_are_kept_and_uppercase_tags_lowered() -> None:
    assert sanitize("<B>bold</B> <em>x</em> <CODE>c</CODE>") == (
        "<b>bold</b> <em>x</em> <code>c</code>"
    )


def test_attributes_of_allowed_tags_are_dropped() -> None:
    assert sanitize('<b onclick="evil()" style="x">t</b>') == "<b>t</b>"
    assert sanitize('<p class="x" onmouseover=alert(1)>t</p>') == "<p>t</p>"


def test_links_keep_only_a_safe_href_and_get_rel() -> None:
    out = sanitize('<a href="https://example.com/x?a=1&amp;b=2" onclick="e()" target=_top>l</a>')
    assert out == f'<a href="https://example.com/x?a=1&amp;b=2" {REL}>l</a>'
    assert sanitize('<a href="mailto:me@example.com">m</a>') == (
        f'<a href="mailto:me@example.com" {REL}>m</a>'
    )


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "jav&#x61;script:alert(1)",
        "jav&#97;script:alert(1)",
        "java\tscript:alert(1)",
        "java&#10;script:alert(1)",
        " \x01javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "file:///etc/passwd",
        "relative/page.html",
        "#top",
        "",
    ],
)
def test_links_to_anything_but_http_https_mailto_lose_their_href(url: str) -> None:
    out = sanitize(f'<a href="{url}">click</a>')
    assert out == "click"


def test_flickr_relative_links_point_at_flickr() -> None:
    assert sanitize('<a href="/photos/someone/">p</a>') == (
        f'<a href="https://www.flickr.com/photos/someone/" {REL}>p</a>'
    )
    assert (
        sanitize('<a href="//example.com/">p</a>') == f'<a href="https://example.com/" {REL}>p</a>'
    )


def test_images_iframes_styles_and_event_handlers_are_text() -> None:
    out = sanitize('<img src="https://evil/x.png" onerror="alert(1)">')
    assert out == "&lt;img src=&quot;https://evil/x.png&quot; onerror=&quot;alert(1)&quot;&gt;"
    assert "<iframe" not in sanitize('<iframe src="https://evil/"></iframe>')
    assert sanitize("<style>body{display:none}</style>") == (
        "&lt;style&gt;body{display:none}&lt;/style&gt;"
    )
    assert "<svg" not in sanitize("<svg onload=alert(1)>")


def test_unclosed_tags_are_closed_and_stray_end_tags_dropped() -> None:
    assert sanitize("a <b>bold <i>both") == "a <b>bold <i>both</i></b>"
    assert sanitize("</b>text</i>") == "text"
    assert sanitize("<b><i>x</b>y</i>") == "<b><i>x</i></b>y"


def test_nested_links_never_nest() -> None:
    out = sanitize('<a href="https://a/">one <a href="https://b/">two</a> three</a>')
    assert out.count("<a ") == 1
    assert out.count("</a>") == 1


def test_a_new_paragraph_ends_the_open_one() -> None:
    assert sanitize("<p>a<p>b") == "<p>a</p><p>b</p>"


def test_comments_cdata_declarations_and_processing_instructions_are_text() -> None:
    assert sanitize("x <!-- hidden --> y") == "x &lt;!-- hidden --&gt; y"
    assert sanitize("<![CDATA[<script>]]>") == "&lt;![CDATA[&lt;script&gt;]]&gt;"
    assert sanitize("<!DOCTYPE html>") == "&lt;!DOCTYPE html&gt;"
    assert sanitize("<?php echo 1 ?>") == "&lt;?php echo 1 ?&gt;"


def test_entities_are_decoded_once_and_escaped_again() -> None:
    assert sanitize("&lt;script&gt; &amp; &#8230;") == "&lt;script&gt; &amp; …"


def test_a_tag_cut_off_at_the_end_is_text() -> None:
    assert sanitize("unfinished <b") == "unfinished &lt;b"
    assert sanitize('tail <a href="https://x') == "tail &lt;a href=&quot;https://x"


def test_typed_newlines_are_line_breaks_except_in_pre() -> None:
    assert sanitize("one\ntwo") == "one<br>\ntwo"
    assert sanitize("<pre>a\nb</pre>") == "<pre>a\nb</pre>"
    assert sanitize("x<br/>y</br>z") == "x<br>y<br>z"


def test_quotes_in_attributes_cannot_break_out() -> None:
    out = sanitize('<a href="https://x/&quot; onmouseover=&quot;alert(1)">t</a>')
    assert 'onmouseover="' not in out
    assert out.startswith('<a href="https://x/&quot; onmouseover=&quot;alert(1)" ')


def test_output_is_balanced_whatever_the_input() -> None:
    for fragment in ("<b><b><b>", "<blockquote><pre><code>x", "</p></p><p>", "<a href=x><b>"):
        out = sanitize(fragment)
        for tag in ("b", "blockquote", "pre", "code", "p", "a"):
            assert out.count(f"<{tag}>") + out.count(f"<{tag} ") == out.count(f"</{tag}>")


def test_safe_link_accepts_only_web_and_mail() -> None:
    assert safe_link("https://x.org/") == "https://x.org/"
    assert safe_link("HTTP://x.org/") == "HTTP://x.org/"
    assert safe_link("javascript:x") is None
    assert safe_link("https:") is None


# --- links -----------------------------------------------------------------------------------


def test_url_path_encodes_each_segment() -> None:
    assert url_path("#1 100% sure?/a b.jpg") == "%231%20100%25%20sure%3F/a%20b.jpg"
    assert url_path("🌅 Sunsets/1.jpg") == "%F0%9F%8C%85%20Sunsets/1.jpg"
    assert url_path("שלום/x.jpg") == "%D7%A9%D7%9C%D7%95%D7%9D/x.jpg"


def test_links_are_relative_to_the_page() -> None:
    assert href("index.html", ".site/album/1.html") == ".site/album/1.html"
    assert href(".site/photo/81/52000000781.html", "Holidays #1/52000000781.jpg") == (
        "../../../Holidays%20%231/52000000781.jpg"
    )
    link = Linker(".site/album/1.html")
    assert link(".site/photo/81/52000000781.html") == "../photo/81/52000000781.html"
    assert link("index.html") == "../../index.html"
    assert link(".site/album/2.html") == "2.html"
    assert link("a?b/c%d.jpg") == "../../a%3Fb/c%25d.jpg"


@pytest.mark.parametrize("text", ["plain", "two\nlines", "quote \" and ' > here", "", "ünï 🌅"])
def test_plain_text_takes_the_same_way_out_as_markup(text: str) -> None:
    from flickr_async.site import html as site_html

    parser = site_html._Sanitizer()
    parser.feed(text)
    assert sanitize(text) == parser.finish()
