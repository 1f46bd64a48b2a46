"""Accessibility checks run in chromium on a page of the site: axe-core, and checks of our own.

axe-core (Deque's engine, MPL-2.0) comes unmodified from the `axe-core-python` wheel on PyPI
(a dev dependency: npm is out of reach here); it is injected into the page for the test and
is never part of flickr_async. Its "serious" and "critical" findings fail a test.

The checks of our own do not depend on it and cover what a rule engine does not see: both
colour schemes (chromium told the system prefers dark, or light), the keyboard (Tab walks the
controls in document order and each one shows where the focus is), a 320 px phone and a 4K
screen. `page_problems` returns what is wrong as sentences, so `assert not problems` reads
well when it fails.
"""

from __future__ import annotations

import importlib.resources
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import Page

AXE_PACKAGE = "axe_core_python"
FAILING_IMPACTS = frozenset({"serious", "critical"})
MIN_CONTRAST = 4.5  # WCAG AA, body text
MIN_CONTRAST_LARGE = 3.0  # 24 px, or 18.66 px bold
MIN_FOCUS_CONTRAST = 3.0  # WCAG 1.4.11: the focus outline against what is around it
TAB_STOPS = 30  # a grid page has hundreds of links: the first ones show the order


def axe_source() -> str | None:
    """axe.min.js from the installed wheel, or None when the wheel is not installed."""
    try:
        files = importlib.resources.files(AXE_PACKAGE)
    except ModuleNotFoundError:
        return None
    return files.joinpath("axe.min.js").read_text("utf-8")


def axe_violations(page: Page, source: str) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now, one line each."""
    page.evaluate(source)  # through the devtools protocol: the page's CSP does not apply
    result: dict[str, Any] = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    found = []
    for rule in result["violations"]:
        if rule["impact"] not in FAILING_IMPACTS:
            continue
        for node in rule["nodes"][:5]:
            found.append(f"{rule['id']} ({rule['impact']}): {node['target']} {node['html'][:120]}")
    return found


# --- what a rule engine does not see ---------------------------------------------------------

# Shared by the checks: colours, contrast, visibility and accessible names.
_LIB_JS = r"""
const parse = c => {
  const m = /^rgba?\(([^)]+)\)$/.exec(c || '');
  if (!m) return null;
  const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
  return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
};
const over = (top, below) => {  // top (with alpha) composited over an opaque colour
  const a = top[3];
  return [0, 1, 2].map(i => top[i] * a + below[i] * (1 - a)).concat([1]);
};
const luminance = c => {
  const ch = c.slice(0, 3).map(v => {
    v /= 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
  });
  return 0.2126 * ch[0] + 0.7152 * ch[1] + 0.0722 * ch[2];
};
const ratio = (a, b) => {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
};
// The opaque colour behind an element: its own and its ancestors' backgrounds, composited.
// null when an image is behind it (a badge on a thumbnail): contrast is then not knowable.
const background = el => {
  const layers = [];
  for (let e = el; e; e = e.parentElement) {
    const cs = getComputedStyle(e);
    if (cs.backgroundImage !== 'none') return null;
    if (e.tagName === 'IMG' || e.tagName === 'VIDEO') return null;
    const c = parse(cs.backgroundColor);
    if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
  }
  let colour = [255, 255, 255, 1];
  for (const layer of layers.reverse()) colour = layer[3] >= 1 ? layer : over(layer, colour);
  return colour;
};
const shown = el => el.checkVisibility({opacityProperty: true, visibilityProperty: true});
const describe = el => {
  let s = el.tagName.toLowerCase();
  if (el.id) s += '#' + el.id;
  else if (typeof el.className === 'string' && el.className.trim())
    s += '.' + el.className.trim().split(/\s+/).join('.');
  const text = (el.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 40);
  return text ? `${s} "${text}"` : s;
};
const labelled = el => {
  const label = (el.getAttribute('aria-label') || '').trim();
  if (label) return label;
  const by = (el.getAttribute('aria-labelledby') || '').split(/\s+/)
    .map(id => document.getElementById(id)).filter(Boolean)
    .map(e => e.textContent).join(' ').trim();
  if (by) return by;
  if (el.labels && el.labels.length)
    return [...el.labels].map(l => l.textContent).join(' ').trim();
  return '';
};
// The accessible name, as far as this site's markup needs it.
const accessibleName = el => {
  const own = labelled(el);
  if (own) return own;
  const tag = el.tagName;
  if (tag === 'IMG') return (el.getAttribute('alt') || '').trim();
  if (tag === 'INPUT' && ['submit', 'button', 'reset'].includes(el.type)) return el.value.trim();
  if (['INPUT', 'SELECT', 'TEXTAREA', 'VIDEO'].includes(tag))
    return (el.getAttribute('title') || '').trim();  // a placeholder is not a label
  const text = (el.innerText || '').trim();  // what is rendered: display:none is not read
  if (text) return text;
  for (const part of el.querySelectorAll('img[alt], [role=img][aria-label]')) {
    const name = (part.getAttribute('alt') || part.getAttribute('aria-label') || '').trim();
    if (name) return name;
  }
  return (el.getAttribute('title') || '').trim();
};
const FOCUSABLE = 'a[href], button, input, select, textarea, video[controls], ' +
  'audio[controls], summary, [tabindex]';
const tabbable = () => [...document.querySelectorAll(FOCUSABLE)].filter(el =>
  !el.disabled && el.tabIndex >= 0 && el.type !== 'hidden' &&
  el.checkVisibility({visibilityProperty: true}));
"""

_STRUCTURE_JS = (
    "() => {"
    + _LIB_JS
    + r"""
  const problems = [];
  const html = document.documentElement;
  if (!(html.getAttribute('lang') || '').trim()) problems.push('<html> has no lang');
  if (!document.title.trim()) problems.push('the page has no <title>');
  const mains = document.querySelectorAll('main, [role=main]').length;
  if (mains !== 1) problems.push(`${mains} main landmarks, not one`);
  for (const img of document.querySelectorAll('img'))
    if (!img.hasAttribute('alt')) problems.push(`no alt: ${describe(img)} ${img.src}`);
  for (const box of document.querySelectorAll('[role=img]'))
    if (!labelled(box)) problems.push(`role=img without a name: ${describe(box)}`);
  for (const el of document.querySelectorAll(
      'input:not([type=hidden]), select, textarea, button, video[controls]'))
    if (!accessibleName(el)) problems.push(`control without a name: ${describe(el)}`);
  for (const el of tabbable())
    if (!accessibleName(el)) problems.push(`focusable without a name: ${describe(el)}`);
  for (const el of document.querySelectorAll('[tabindex]'))
    if (el.tabIndex > 0) problems.push(`tabindex > 0 breaks the order: ${describe(el)}`);
  const levels = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')]
    .filter(h => shown(h)).map(h => [Number(h.tagName[1]), h]);
  if (!levels.length || levels[0][0] !== 1) problems.push('the first heading is not an <h1>');
  for (let n = 1; n < levels.length; n++)
    if (levels[n][0] > levels[n - 1][0] + 1)
      problems.push(`heading skips a level: h${levels[n - 1][0]} then ${describe(levels[n][1])}`);
  const skip = tabbable()[0];
  const target = skip && /^#./.test(skip.getAttribute('href') || '') &&
    document.getElementById(skip.getAttribute('href').slice(1));
  if (!target || !target.closest('main, [role=main]'))
    problems.push(`the first Tab stop is no link to the main content: ${skip && describe(skip)}`);
  return problems;
}"""
)

# Every text on the page against what is behind it, in the scheme the page is shown in.
_CONTRAST_JS = (
    "() => {"
    + _LIB_JS
    + r"""
  const problems = [];
  const seen = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!node.textContent.trim() || !el || seen.has(el)) continue;
    seen.add(el);
    if (el.closest('script, style, noscript, video, audio, option') || !shown(el)) continue;
    const cs = getComputedStyle(el);
    const fg = parse(cs.color), bg = background(el);
    if (!fg || !bg) continue;
    const size = parseFloat(cs.fontSize), bold = Number(cs.fontWeight) >= 700;
    const needed = size >= 24 || (bold && size >= 18.66) ? 3.0 : 4.5;
    const got = ratio(fg[3] < 1 ? over(fg, bg) : fg, bg);
    if (got < needed)
      problems.push(`contrast ${got.toFixed(2)} < ${needed}: ${describe(el)} (${cs.color} on ` +
                    `rgb(${bg.slice(0, 3).map(Math.round).join(', ')}))`);
  }
  return problems;
}"""
)

# The colours the page body is drawn in: [background luminance, text luminance].
_BODY_JS = (
    "() => {"
    + _LIB_JS
    + r"""
  const cs = getComputedStyle(document.body);
  return [luminance(background(document.body)), luminance(parse(cs.color))];
}"""
)

# Mark the Tab stops in document order; their count.
_MARK_TABBABLE_JS = (
    "() => {"
    + _LIB_JS
    + r"""
  const stops = tabbable();
  stops.forEach((el, n) => el.setAttribute('data-a11y-stop', String(n)));
  return stops.length;
}"""
)

# What has the focus now, and how it shows.
_FOCUSED_JS = (
    "() => {"
    + _LIB_JS
    + r"""
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const cs = getComputedStyle(el);
  const outline = cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2;
  const ring = parse(cs.outlineColor), behind = background(el.parentElement || el);
  const rect = el.getBoundingClientRect();
  return {
    stop: el.getAttribute('data-a11y-stop'),
    what: describe(el),
    shadow: el.tagName === 'VIDEO' || el.tagName === 'AUDIO',  // focus is in its controls
    focusVisible: el.matches(':focus-visible'),
    outline,
    boxShadow: cs.boxShadow !== 'none',
    ringContrast: outline && ring && behind ? ratio(ring, behind) : null,
    onScreen: rect.width > 0 && rect.height > 0 && rect.bottom > 0 && rect.right > 0 &&
      rect.top < innerHeight && rect.left < innerWidth,
    inMain: !!el.closest('main, [role=main]'),
  };
}"""
)


def structure_problems(page: Page) -> list[str]:
    """lang, title, one main, alt on every image, names on every control and link, heading
    order without skips, no positive tabindex, a skip link as the first Tab stop."""
    problems: list[str] = page.evaluate(_STRUCTURE_JS)
    return problems


def contrast_problems(page: Page) -> list[str]:
    """Every text below 4.5:1 (3:1 when large) against the colour behind it."""
    problems: list[str] = page.evaluate(_CONTRAST_JS)
    return problems


def body_luminance(page: Page) -> tuple[float, float]:
    """(background, text) relative luminance of the page body: 0 is black, 1 white."""
    bg, fg = page.evaluate(_BODY_JS)
    return float(bg), float(fg)


@dataclass
class FocusWalk:
    stops: int  # Tab stops on the page
    visited: list[dict[str, Any]]  # what Tab focused, in order (repeats inside a player dropped)

    def problems(self) -> list[str]:
        found = []
        expected = 0
        for seen in self.visited:
            if seen["stop"] != str(expected):
                found.append(f"Tab stop {expected} is {seen['what']} (stop {seen['stop']})")
                expected = int(seen["stop"]) if seen["stop"] is not None else expected
            expected += 1
            if seen["shadow"]:
                continue  # the player draws the focus on its own buttons
            if not (seen["focusVisible"] and (seen["outline"] or seen["boxShadow"])):
                found.append(f"no visible focus on {seen['what']}")
            elif seen["ringContrast"] is not None and seen["ringContrast"] < MIN_FOCUS_CONTRAST:
                found.append(f"focus ring contrast {seen['ringContrast']:.2f} on {seen['what']}")
            if not seen["onScreen"]:
                found.append(f"focused but off screen: {seen['what']}")
        return found


def from_the_top(page: Page) -> None:
    """The next Tab starts at the top of the page, whatever has the focus now (search puts
    it in its box): the body, focused for a moment, is where sequential navigation resumes."""
    page.evaluate(
        "() => { const b = document.body;"
        " b.tabIndex = -1; b.focus(); b.removeAttribute('tabindex'); }"
    )


def walk_with_tab(page: Page, limit: int = TAB_STOPS) -> FocusWalk:
    """Press Tab from the top of the page, up to `limit` stops, noting each focused element."""
    stops = int(page.evaluate(_MARK_TABBABLE_JS))
    from_the_top(page)
    visited: list[dict[str, Any]] = []
    for _ in range(min(stops, limit) + 6):  # a player's own buttons take a few presses
        page.keyboard.press("Tab")
        focused = page.evaluate(_FOCUSED_JS)
        if focused is None:
            break
        if visited and focused["stop"] == visited[-1]["stop"]:
            continue
        visited.append(focused)
        if len(visited) >= min(stops, limit):
            break
    return FocusWalk(stops, visited)


def focused(page: Page) -> dict[str, Any] | None:
    """The element that has the focus (as walk_with_tab notes it), None for the body."""
    found: dict[str, Any] | None = page.evaluate(_FOCUSED_JS)
    return found


def horizontal_overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than the window (0 when nothing scrolls sideways)."""
    width: int = page.evaluate(
        "() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth)"
    )
    return width


def body_font_px(page: Page) -> float:
    """The computed font size of the page's running text (the body)."""
    size: str = page.evaluate("() => getComputedStyle(document.body).fontSize")
    return float(size.removesuffix("px"))
