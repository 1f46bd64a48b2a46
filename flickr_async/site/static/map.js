/* The map page: every photo of data/map.js (FA_MAP) as a marker on the world outlines drawn
   in the page, grouped in a grid at each zoom level when they crowd (site/geo.py `cluster`
   does the same); zoom and pan with the mouse, touch or keyboard. Nothing is fetched: the
   outlines are in the page, the markers in a data file loaded by a <script> tag. A lone
   photo's marker opens its page; a group's zooms in on it. */
(function () {
  'use strict';
  var data = window.FA_MAP;
  var box = document.getElementById('fa-map');
  var svg = document.getElementById('fa-map-svg');
  var layer = document.getElementById('fa-marks');
  var status = document.getElementById('fa-map-status');
  if (!data || !box || !svg || !layer) return;
  var NS = 'http://www.w3.org/2000/svg';
  var W = 3600, H = 1800, MAX_ZOOM = 14, CELL = 44;
  var root = document.body.getAttribute('data-root') || '';
  // [id, x, y, title], projected as site/geo.py `project` does, from [id, lat, lon, title]
  var points = (data.points || []).map(function (p) {
    return [String(p[0]), (p[2] + 180) * 10, (90 - p[1]) * 10, p[3]];
  });
  var zoom = 0, cx = W / 2, cy = H / 2;
  var grids = {};

  function viewWidth() { return W / Math.pow(2, zoom); }
  function scale() { return (box.clientWidth || 1000) / viewWidth(); }  // pixels per unit

  function clamp() {
    var w = viewWidth(), h = w / 2;
    cx = Math.min(Math.max(cx, w / 2), W - w / 2);
    cy = Math.min(Math.max(cy, h / 2), H - h / 2);
  }

  /* The markers at this zoom: points in one CELL-pixel square of the whole world at this
     scale share one, placed at their mean. */
  function grid() {
    var key = zoom + ':' + box.clientWidth;
    if (grids[key]) return grids[key];
    var size = CELL / scale(), cells = new Map(), out = [];
    for (var n = 0; n < points.length; n++) {
      var p = points[n];
      var k = Math.floor(p[1] / size) + ',' + Math.floor(p[2] / size);
      var g = cells.get(k);
      if (!g) { g = {x: 0, y: 0, members: []}; cells.set(k, g); out.push(g); }
      g.x += p[1]; g.y += p[2]; g.members.push(p);
    }
    out.forEach(function (g) { g.x /= g.members.length; g.y /= g.members.length; });
    grids = {}; grids[key] = out;
    return out;
  }

  function photoHref(id) {
    return root + 'photo/' + id.slice(-2) + '/' + encodeURIComponent(id) + '.html';
  }

  function marker(g, r) {
    var a = document.createElementNS(NS, 'a');
    var count = g.members.length;
    var c = document.createElementNS(NS, 'circle');
    c.setAttribute('cx', g.x); c.setAttribute('cy', g.y);
    var tip = document.createElementNS(NS, 'title');
    if (count === 1 || zoom >= MAX_ZOOM) {
      var first = g.members[0];
      var title = String(first[3] || '').trim() || 'Untitled';  // a name, never blank
      a.setAttribute('href', photoHref(first[0]));
      a.setAttribute('class', 'mark one');
      a.setAttribute('data-photo', first[0]);
      var label = count === 1 ? title : count + ' photos at this spot; opens ' + title;
      a.setAttribute('aria-label', label);
      tip.textContent = label;
      c.setAttribute('r', r);
      a.appendChild(c);
    } else {
      a.setAttribute('href', '#');
      a.setAttribute('role', 'button');
      a.setAttribute('class', 'mark many');
      a.setAttribute('data-count', count);
      a.setAttribute('aria-label', count + ' photos here: zoom in');
      tip.textContent = count + ' photos here: click to zoom in';
      c.setAttribute('r', r * (1.5 + Math.min(1.5, Math.log10(count) / 2)));
      var t = document.createElementNS(NS, 'text');
      t.setAttribute('x', g.x); t.setAttribute('y', g.y);
      t.setAttribute('font-size', r * 1.6);
      t.textContent = count > 999 ? Math.round(count / 1000) + 'k' : String(count);
      a.appendChild(c); a.appendChild(t);
      a.addEventListener('click', function (event) {
        event.preventDefault();
        if (dragged) return;
        cx = g.x; cy = g.y; setZoom(zoom + 2);
        var again = layer.querySelector('a');
        if (again && document.activeElement !== box) again.focus();
      });
    }
    a.appendChild(tip);
    return a;
  }

  function render() {
    clamp();
    var w = viewWidth(), h = w / 2, x0 = cx - w / 2, y0 = cy - h / 2;
    svg.setAttribute('viewBox', x0 + ' ' + y0 + ' ' + w + ' ' + h);
    var r = 6 / scale(), margin = 3 * r, shown = 0, frag = document.createDocumentFragment();
    grid().forEach(function (g) {
      if (g.x < x0 - margin || g.x > x0 + w + margin || g.y < y0 - margin || g.y > y0 + h + margin) return;
      frag.appendChild(marker(g, r));
      shown++;
    });
    layer.replaceChildren(frag);
    if (status) status.textContent = 'Zoom ' + (zoom + 1) + ' of ' + (MAX_ZOOM + 1) + ' · ' + shown + (shown === 1 ? ' marker' : ' markers') + ' in view';
    var lat = 90 - cy / 10, lon = cx / 10 - 180;
    try { history.replaceState(null, '', '#' + lat.toFixed(4) + ',' + lon.toFixed(4) + ',' + zoom); } catch (e) {}
  }

  function setZoom(z) {
    zoom = Math.max(0, Math.min(MAX_ZOOM, z));
    render();
  }

  /* Zoom by `step` keeping the world point under the pixel (px, py) of the map in place. */
  function zoomAt(step, px, py) {
    var s = scale(), wx = cx + (px - box.clientWidth / 2) / s, wy = cy + (py - box.clientHeight / 2) / s;
    zoom = Math.max(0, Math.min(MAX_ZOOM, zoom + step));
    var t = scale();
    cx = wx - (px - box.clientWidth / 2) / t; cy = wy - (py - box.clientHeight / 2) / t;
    render();
  }

  var start = null, dragged = false;
  svg.addEventListener('pointerdown', function (event) {
    start = {x: event.clientX, y: event.clientY, cx: cx, cy: cy};
    dragged = false;
  });
  window.addEventListener('pointermove', function (event) {
    if (!start) return;
    var dx = event.clientX - start.x, dy = event.clientY - start.y;
    if (!dragged && Math.abs(dx) + Math.abs(dy) < 5) return;
    dragged = true;
    var s = scale();
    cx = start.cx - dx / s; cy = start.cy - dy / s;
    render();
  });
  window.addEventListener('pointerup', function () { start = null; });
  svg.addEventListener('click', function (event) {  // the end of a drag opens nothing
    if (dragged) { event.preventDefault(); event.stopPropagation(); dragged = false; }
  }, true);
  box.addEventListener('wheel', function (event) {
    event.preventDefault();
    var rect = box.getBoundingClientRect();
    zoomAt(event.deltaY < 0 ? 1 : -1, event.clientX - rect.left, event.clientY - rect.top);
  }, {passive: false});
  box.addEventListener('keydown', function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    var step = viewWidth() / 4, handled = true;
    switch (event.key) {
      case 'ArrowLeft': cx -= step; render(); break;
      case 'ArrowRight': cx += step; render(); break;
      case 'ArrowUp': cy -= step; render(); break;
      case 'ArrowDown': cy += step; render(); break;
      case '+': case '=': setZoom(zoom + 1); break;
      case '-': case '_': setZoom(zoom - 1); break;
      case '0': cx = W / 2; cy = H / 2; setZoom(0); break;
      default: handled = false;
    }
    if (handled) { event.preventDefault(); event.stopPropagation(); }
  });
  function button(id, action) {
    var b = document.getElementById(id);
    if (b) b.addEventListener('click', action);
  }
  button('fa-zoom-in', function () { setZoom(zoom + 1); });
  button('fa-zoom-out', function () { setZoom(zoom - 1); });
  button('fa-zoom-all', function () { cx = W / 2; cy = H / 2; setZoom(0); });
  window.addEventListener('resize', render);

  var asked = /^#(-?[0-9.]+),(-?[0-9.]+),([0-9]+)$/.exec(location.hash);
  if (asked) {
    cy = (90 - parseFloat(asked[1])) * 10; cx = (parseFloat(asked[2]) + 180) * 10;
    zoom = Math.max(0, Math.min(MAX_ZOOM, parseInt(asked[3], 10)));
  }
  document.body.classList.add('has-map');
  render();
})();
