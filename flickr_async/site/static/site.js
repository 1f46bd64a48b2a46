/* flickr-async offline site: keyboard navigation, album order on photo pages, search.
   A classic script (no modules, no fetch): it works from file://. Data comes from .js files
   that assign globals (window.FA_ALBUMS, window.FA_SEARCH), loaded with <script src>.
   Text from the archive is only ever put into the page with textContent. */
(function () {
  "use strict";
  var doc = document;
  var body = doc.body;
  var root = body.getAttribute("data-root") || "";
  /* The page's CSP runs only scripts that carry the archive's nonce: the data files this
     script loads get it from this script's own tag. */
  var nonce = (doc.currentScript && doc.currentScript.nonce) || "";
  var SAFE_ID = /^[0-9A-Za-z_@-]{1,80}$/;

  function nav(name) {
    return doc.querySelector('a[data-nav="' + name + '"]');
  }

  function photoHref(id) {
    return root + "photo/" + encodeURIComponent(id.slice(-2)) + "/" +
      encodeURIComponent(id) + ".html";
  }

  function setNav(name, href, label) {
    var a = nav(name);
    if (!a) return;
    if (href) {
      a.setAttribute("href", href);
      a.classList.remove("off");
    } else {
      a.removeAttribute("href");
      a.classList.add("off");
    }
    if (label !== undefined) {
      a.textContent = label;
    }
  }

  /* ←, → and Esc follow the page's previous, next and up links. */
  doc.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey ||
        event.shiftKey) return;
    var target = event.target;
    var tag = target && target.tagName;
    if (target && (target.isContentEditable || tag === "INPUT" || tag === "TEXTAREA" ||
                   tag === "SELECT" || tag === "VIDEO" || tag === "AUDIO")) return;
    var name = {ArrowLeft: "prev", ArrowRight: "next", Escape: "up"}[event.key];
    if (!name) return;
    var link = nav(name);
    if (link && link.getAttribute("href")) {
      event.preventDefault();
      window.location.href = link.href;
    }
  });

  /* A photo page reached from an album (#album=<id>): previous, next and Esc follow that
     album's order, loaded from data/album/<id>.js. */
  function albumContext() {
    var photo = body.getAttribute("data-photo");
    var match = /^#album=([0-9A-Za-z_@-]{1,80})$/.exec(window.location.hash);
    if (!photo || !match) return;
    var albumId = match[1];
    var albums = (body.getAttribute("data-albums") || "").split(" ");
    if (albums.indexOf(albumId) < 0) return;
    var script = doc.createElement("script");
    script.nonce = nonce;
    script.src = root + "data/album/" + encodeURIComponent(albumId) + ".js";
    script.onload = function () {
      var album = window.FA_ALBUMS && window.FA_ALBUMS[albumId];
      if (!album || !album.ids) return;
      var at = album.ids.indexOf(photo);
      if (at < 0) return;
      var hash = "#album=" + albumId;
      var prev = at > 0 ? album.ids[at - 1] : null;
      var next = at + 1 < album.ids.length ? album.ids[at + 1] : null;
      setNav("prev", prev && SAFE_ID.test(prev) ? photoHref(prev) + hash : null);
      setNav("next", next && SAFE_ID.test(next) ? photoHref(next) + hash : null);
      var page = Math.floor(at / (album.per_page || 500)) + 1;
      var albumPage = root + "album/" + encodeURIComponent(albumId) +
        (page > 1 ? "-" + page : "") + ".html#p" + encodeURIComponent(photo);
      setNav("up", albumPage, "↑ " + (album.title || "Untitled album"));
      var context = doc.getElementById("fa-context");
      if (context) {
        context.textContent = (at + 1) + " of " + album.ids.length + " in the album " +
          (album.title ? "“" + album.title + "”" : "(untitled)");
        context.hidden = false;
      }
    };
    doc.head.appendChild(script);
  }

  /* Search: every word typed must occur in the title, description or tags (case and
     accents aside). The data is window.FA_SEARCH: one array per data file (a big site's is
     cut in several), of entries [id, title, text, tags, month, flags]; newest upload (the
     highest id) first. */
  function fold(text) {
    var out = String(text).toLowerCase();
    if (out.normalize) out = out.normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
    return out;
  }

  function search() {
    var input = doc.getElementById("fa-q");
    var results = doc.getElementById("fa-results");
    var status = doc.getElementById("fa-status");
    if (!input || !results || !status) return;
    var data = [].concat.apply([], window.FA_SEARCH || []);
    data.sort(function (a, b) {  /* ids are numbers written out: the longer, the newer */
      return b[0].length - a[0].length || (a[0] < b[0] ? 1 : a[0] > b[0] ? -1 : 0);
    });
    var haystacks = null;
    var LIMIT = 200;

    function tile(entry) {
      var id = entry[0], title = entry[1], flags = entry[5];
      var li = doc.createElement("li");
      var a = doc.createElement("a");
      a.href = photoHref(id);
      if (flags & 16) {
        var img = doc.createElement("img");
        img.src = root + "thumbs/" + encodeURIComponent(id) + "_q.jpg";
        img.width = 150;
        img.height = 150;
        img.loading = "lazy";
        img.alt = title;
        a.appendChild(img);
      } else {
        var ph = doc.createElement("span");
        ph.className = "ph";
        ph.setAttribute("role", "img");
        ph.setAttribute("aria-label",
          (flags & 8) ? "not in the archive" : (flags & 1) ? "video" : "no preview");
        ph.textContent = (flags & 8) ? "✕" : (flags & 1) ? "▶" : "▢";
        a.appendChild(ph);
      }
      var cap = doc.createElement("span");
      cap.className = "cap";
      cap.dir = "auto";
      cap.textContent = title || "Untitled";
      a.appendChild(cap);
      var when = doc.createElement("span");
      when.className = "n";
      when.textContent = entry[4];
      li.appendChild(a);
      li.appendChild(when);
      return li;
    }

    function run() {
      var words = fold(input.value).split(/\s+/).filter(Boolean);
      while (results.firstChild) results.removeChild(results.firstChild);
      if (!words.length) {
        status.textContent = data.length + " items to search.";
        return;
      }
      if (!haystacks) {
        haystacks = data.map(function (e) { return fold(e[1] + "\n" + e[2] + "\n" + e[3]); });
      }
      var found = 0;
      var fragment = doc.createDocumentFragment();
      for (var n = 0; n < data.length; n++) {
        var hay = haystacks[n];
        var all = true;
        for (var w = 0; w < words.length; w++) {
          if (hay.indexOf(words[w]) < 0) { all = false; break; }
        }
        if (!all) continue;
        found++;
        if (found <= LIMIT) fragment.appendChild(tile(data[n]));
      }
      results.appendChild(fragment);
      status.textContent = found === 0 ? "Nothing found." :
        found + (found === 1 ? " item found" : " items found") +
        (found > LIMIT ? "; the first " + LIMIT + " are shown." : ".");
    }

    var timer = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        run();
        try {
          history.replaceState(null, "", input.value ? "#q=" + encodeURIComponent(input.value) : "#");
        } catch (e) { /* some browsers refuse history on file:// */ }
      }, 120);
    });
    var form = doc.getElementById("fa-find");
    if (form) {
      form.addEventListener("submit", function (event) { event.preventDefault(); run(); });
    }
    var query = /[#?&]q=([^&]*)/.exec(window.location.hash) ||
      /[?&]q=([^&]*)/.exec(window.location.search);
    if (query) {
      try {
        input.value = decodeURIComponent(query[1].replace(/\+/g, " "));
      } catch (e) {
        input.value = query[1];
      }
    }
    run();
  }

  albumContext();
  search();
})();
