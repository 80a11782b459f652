// The chart code of rnnviz.livechart (rnnviz/ui/livechart.py), served once per page as
// app/static/livechart.js; element.js, which every chart element carries, loads it and then
// calls window.rnnvizChart(component).
// Updates are coalesced to one Plotly.react per chart per animation frame, unchanged data
// is not redrawn, and a chart scrolled out of view keeps only its newest figure and draws
// it when it comes back: the browser's time goes to the charts a person can see. Many
// charts due at once (a page's first draw) are spread over frames, SLICE_MS of drawing
// each, so the first one shows as soon as it is drawn and the page stays responsive.
(function () {
  // rnnviz/ui/livechart.py SETTINGS, set by the first line of the code every element carries
  const { template: TEMPLATE, config: CONFIG, plotly: PLOTLY_FILE, header: HEADER }
    = window.rnnvizSettings;
  const base = () => {  // beside Streamlit's bundle (<base>/static/js/index.*.js)
    const own = document.querySelector('script[src*="static/js/index"]');
    return own ? own.src.replace(/static\/js\/[^/]*$/, "") : "/";
  };
  let plotly = window.__rnnvizPlotly || null;  // the element's snippet started it
  function loadPlotly() {
    if (!plotly) {
      plotly = new Promise((resolve, reject) => {
        const s = document.createElement("script");
        s.src = base() + "app/static/" + PLOTLY_FILE;
        s.onload = () => resolve(window.Plotly);
        s.onerror = () => { plotly = null; reject(new Error("no plotly.js")); };
        document.head.appendChild(s);
      });
    }
    return plotly;
  }
  const dirty = new Set();
  const SLICE_MS = 12;  // charts drawn per animation frame: until this much time is used
  let frame = 0;
  const seen = new IntersectionObserver((entries) => {
    for (const e of entries) {
      e.target.__visible = e.isIntersecting;
      if (e.isIntersecting && e.target.__pending) schedule();
    }
  }, { rootMargin: "300px" });
  function draw(Plotly, div) {
    const p = div.__pending;
    const fig = typeof p === "string" ? JSON.parse(p) : p;
    div.__pending = null;
    // axis text a little smaller than the chart's font, as in Streamlit's own theme
    const size = ((fig.layout || {}).font || {}).size || 13;
    const template = structuredClone(TEMPLATE);
    for (const ax of ["xaxis", "yaxis"]) {
      template.layout[ax].tickfont.size = size - 1;
      template.layout[ax].title.font.size = size;
    }
    const layout = Object.assign({ template: template, autosize: true }, fig.layout);
    div.style.minHeight = (layout.height || 320) + "px";
    Plotly.react(div, fig.data, layout, CONFIG);
  }
  function flush() {
    frame = 0;
    loadPlotly().then((Plotly) => {
      const start = performance.now();
      for (const div of Array.from(dirty)) {
        if (!div.isConnected) { dirty.delete(div); continue; }
        if (div.__visible === false) continue;  // drawn when scrolled back into view
        if (performance.now() - start > SLICE_MS) { schedule(); break; }  // next frame
        dirty.delete(div);
        if (div.__pending) draw(Plotly, div);
      }
    }, () => {
      for (const div of dirty) div.textContent = "This chart needs plotly.js from "
        + "/app/static/: start the app with ./scripts/run.sh (README).";
    });
  }
  function schedule() { if (!frame) frame = requestAnimationFrame(flush); }
  function chartDiv(parent, cls) {
    let div = parent.querySelector(":scope > div.rnnviz-chart");
    if (!div) {
      div = document.createElement("div");
      div.className = "rnnviz-chart" + (cls ? " " + cls : "");
      div.style.width = "100%";
      div.style.minWidth = "0";
      parent.appendChild(div);
      seen.observe(div);
    }
    return div;
  }
  function update(div, spec, token) {
    token = token || spec;  // a chart's identity: its JSON text, or a hash of it
    if (token === div.__data) return;  // the same figure again: nothing to redraw
    div.__data = token;
    div.__pending = spec;
    dirty.add(div);
    schedule();
  }
  // a grid of charts (a follow frame): {"rows": [[key, ...], ...], "ids": {key: hash},
  // "charts": {key: figure}}
  function grid(parent, g) {
    let box = parent.querySelector(":scope > div.rnnviz-grid");
    const shape = JSON.stringify(g.rows);
    if (!box || box.__shape !== shape) {
      if (box) box.remove();
      box = document.createElement("div");
      box.className = "rnnviz-grid";
      box.__shape = shape;
      for (const row of g.rows) {
        const line = document.createElement("div");
        line.style.cssText = "display:flex;gap:1rem;width:100%;margin-bottom:1rem";
        for (const key of row) {
          const cell = document.createElement("div");
          cell.style.cssText = "flex:1 1 0;min-width:0";
          cell.dataset.key = key;
          line.appendChild(cell);
        }
        box.appendChild(line);
      }
      parent.appendChild(box);
    }
    for (const cell of box.querySelectorAll("[data-key]")) {
      const key = cell.dataset.key;
      if (g.charts[key]) update(chartDiv(cell), g.charts[key], g.ids[key]);
    }
  }
  // Follow mode (the Watch page): poll the lecturer's shared frame, a gzip JSON file
  // (rnnviz/live/board.py), and draw it; no script runs on the server per refresh.
  // cfg: {"follow": url below the base, "every": s while playing, "idle": s otherwise}
  const NOTHING = "Nothing is shared right now. On the lecturer's computer: Train (live) "
    + "\u2192 turn on Share with the class. This page follows as soon as it is on.";
  const BOX = {info: "background:rgba(28,131,225,0.1);color:rgb(0,66,128)",
               error: "background:rgba(255,43,43,0.09);color:rgb(125,53,59)",
               warn: "background:rgba(255,189,69,0.2);color:rgb(146,108,5)"};
  function part(box, cls, css) {
    const el = document.createElement("div");
    el.className = cls;
    el.style.cssText = css || "";
    box.appendChild(el);
    return el;
  }
  function note(el, kind, text) {
    el.style.cssText = text ? BOX[kind] + ";padding:1rem;border-radius:0.5rem;"
      + "margin-bottom:1rem" : "display:none";
    el.textContent = text || "";
  }
  function metrics(el, items) {
    const text = JSON.stringify(items);
    if (el.__text === text) return;
    const same = el.__labels === JSON.stringify(items.map((i) => i[0]));
    el.__text = text;
    if (same) {  // the same labels: change the numbers in place (no new nodes, less layout)
      const values = el.querySelectorAll(".rnnviz-metric-value");
      items.forEach(([, value], i) => {
        if (values[i].textContent !== value) values[i].textContent = value;
      });
      return;
    }
    el.__labels = JSON.stringify(items.map((i) => i[0]));
    el.replaceChildren();
    for (const [label, value] of items) {
      const m = document.createElement("div");
      m.className = "rnnviz-metric";
      m.style.cssText = "flex:1 1 0;min-width:0";
      const l = document.createElement("div");
      l.style.cssText = "font-size:0.875rem;color:rgba(49,51,63,0.7)";
      l.textContent = label;
      const v = document.createElement("div");
      v.className = "rnnviz-metric-value";
      v.style.cssText = "font-size:2.25rem;line-height:1.4";
      v.textContent = value;
      m.append(l, v);
      el.appendChild(m);
    }
  }
  // a frame file (rnnviz/live/frames.py pack): "rnnviz-frame <seq> <length>\n" (HEADER
  // bytes), then that many bytes of gzip-compressed JSON, then padding
  // Asked for as a byte range: the server then sends as many bytes as the file had when it
  // looked, even if a larger frame replaced it meanwhile (a plain GET broke off with "too
  // much data" there, and the server logged a traceback); such a read may end inside the
  // new frame: frameHeader says so, and the next poll gets it whole.
  const fetchFrame = (url) => fetch(url, {cache: "no-store", headers: {Range: "bytes=0-"}});
  function frameHeader(buf) {  // [seq, gzip length, whole frame received]
    const [magic, seq, length] = new TextDecoder().decode(
      new Uint8Array(buf, 0, Math.min(HEADER, buf.byteLength))).trim().split(" ");
    if (magic !== "rnnviz-frame") throw new Error("not a frame file");
    return [seq, Number(length), HEADER + Number(length) <= buf.byteLength];
  }
  async function inflate(buf, length) {
    const gz = new Blob([new Uint8Array(buf, HEADER, length)]);
    return JSON.parse(await new Response(
      gz.stream().pipeThrough(new DecompressionStream("gzip"))).text());
  }
  function follow(parent, cfg) {
    let box = parent.querySelector(":scope > div.rnnviz-follow");
    if (box) { box.__cfg = cfg; return; }  // this element polls already
    box = part(parent, "rnnviz-follow");
    box.__cfg = cfg;
    const state = part(box, "rnnviz-follow-state", "margin-bottom:0.5rem");
    const row = part(box, "rnnviz-follow-metrics", "display:flex;gap:1rem;margin-bottom:1rem");
    const error = part(box, "rnnviz-follow-error");
    const charts = part(box, "rnnviz-follow-charts");
    const task = part(box, "rnnviz-live-task");
    const url = base() + cfg.follow;
    let seq = null, tag = null, failures = 0;
    async function poll() {
      if (!box.isConnected) return;  // the page changed: this element is gone
      const t0 = performance.now();
      let playing = false;
      try {
        const r = await fetchFrame(url);
        if (r.status === 404) {
          seq = tag = null;
          note(state, "info", NOTHING);
          row.replaceChildren();
          row.__text = row.__labels = null;
          note(error);
          charts.replaceChildren();
          taskView(task, null);
        } else if (!r.ok) {
          throw new Error("HTTP " + r.status);
        } else {
          // the server's own clock: how long ago the lecturer's page last posted
          const age = (Date.parse(r.headers.get("date")) - Date.parse(
            r.headers.get("last-modified"))) / 1000;
          const buf = await r.arrayBuffer();
          const [seqText, length, whole] = frameHeader(buf);
          let f = box.__frame;
          if (seqText !== tag && whole) { f = await inflate(buf, length); tag = seqText; }
          if (!f) throw new Error("no frame yet");
          box.__frame = f;
          playing = f.playing;
          const quiet = playing && age > 15;
          const how = quiet ? "the lecturer's page has been silent for "
            + Math.round(age) + " s" : playing ? "training now" : "paused";
          state.style.cssText = "margin-bottom:0.5rem;color:rgba(49,51,63,0.7)";
          state.textContent = f.caption + " Read-only view of the lecturer's run: ";
          const b = document.createElement("b");
          b.textContent = how;
          state.appendChild(b);
          if (f.seq !== seq) {
            seq = f.seq;
            metrics(row, f.status);
            note(error, "error", f.diverged ? "The run " + f.diverged + ". The weights are "
              + "its last finite ones; on the lecturer's page a lower learning rate or "
              + "clipping, then Reset, starts it again." : "");
            grid(charts, f);
            taskView(task, f.task);
          }
          if (quiet) playing = false;
        }
        failures = 0;
      } catch (e) {
        failures += 1;  // the first failures retry at the playing pace
        if (failures > 2) note(state, "warn", "Cannot reach the lecturer's server ("
          + e.message + "); trying again.");
        playing = failures <= 2;
      }
      const c = box.__cfg;
      const wait = (playing && !document.hidden ? c.every : c.idle) * 1000;
      setTimeout(poll, Math.max(50, wait - (performance.now() - t0)));
    }
    poll();
  }
  // the task views under the charts: one, or a list, of {"title", "code"},
  // {"title", "table": {"columns", "rows"}} or {"title", "text"} (plain text in which
  // `code` and **bold** are marked), text ready to show
  function taskView(el, t) {
    const text = JSON.stringify(t || null);
    if (el.__text === text) return;
    el.__text = text;
    el.replaceChildren();
    for (const v of (Array.isArray(t) ? t : t ? [t] : [])) oneTask(el, v);
  }
  function child(parent, tag, cls, css) {  // a new element at the end of parent
    const n = document.createElement(tag);
    if (cls) n.className = cls;
    n.style.cssText = css;
    parent.appendChild(n);
    return n;
  }
  function oneTask(el, t) {
    if (t.title) child(el, "div", "", "font-weight:600;margin:0.25rem 0 0.5rem").textContent = t.title;
    if (t.text) {
      const p = child(el, "p", "rnnviz-task-text", "font-size:0.9rem;margin:0 0 1rem");
      for (const piece of t.text.split(/(`[^`]+`|\*\*[^*]+\*\*)/)) {
        if (!piece) continue;
        const code = piece.startsWith("`"), bold = piece.startsWith("**");
        const node = document.createElement(code ? "code" : bold ? "b" : "span");
        node.textContent = code ? piece.slice(1, -1) : bold ? piece.slice(2, -2) : piece;
        p.appendChild(node);
      }
    }
    if (t.code != null) {
      child(el, "pre", "rnnviz-task-code", "background:#f0f2f6;padding:0.75rem 1rem;"
        + "border-radius:0.5rem;font-size:0.875rem;overflow-x:auto;white-space:pre;"
        + "margin:0 0 1rem").textContent = t.code;
    }
    if (t.table) {
      const table = child(el, "table", "rnnviz-task-table",
        "border-collapse:collapse;font-size:0.875rem;margin-bottom:1rem");
      const cells = (tag, texts) => {
        const tr = child(table, "tr", "", "");
        for (const text of texts) {
          child(tr, tag, "", "border:1px solid #e6eaf1;padding:0.25rem 0.6rem;text-align:left"
            + (tag === "th" ? ";background:#f0f2f6;font-weight:600" : "")).textContent = text;
        }
      };
      cells("th", t.table.columns);
      for (const row of t.table.rows) cells("td", row);
    }
  }
  // A training page's live view (rnnviz/live/feed.py): the frame the page's script sent
  // inline, then, while the run plays, the newer frames the server's training thread
  // writes to cfg.live. A frame that says the run stopped by itself (it diverged, its
  // budget ran out) makes the page rerun, so its buttons follow; so does a frame whose
  // "refresh" moved on (the page's own text follows the training, e.g. once an epoch).
  // cfg: {"live": url below the base, "playing", "every": s, "frame": frame}
  function live(parent, cfg, component) {
    let box = parent.querySelector(":scope > div.rnnviz-live");
    if (!box) {
      box = part(parent, "rnnviz-live");
      box.__row = part(box, "rnnviz-follow-metrics", "display:flex;gap:1rem");
      box.__note = part(box, "rnnviz-live-note",
        "font-size:0.8rem;color:rgba(49,51,63,0.6);min-height:1.2rem;margin-bottom:0.75rem");
      box.__charts = part(box, "rnnviz-follow-charts");
      box.__task = part(box, "rnnviz-live-task");
    }
    if (box.__url !== cfg.live) { box.__url = cfg.live; box.__seq = 0; box.__every = 0; }
    box.__cfg = cfg;
    box.__component = component;
    if (cfg.frame) { show(box, cfg.frame); box.__refresh = cfg.frame.refresh; }
    if (cfg.playing && !box.__polling) {
      box.__polling = true;
      box.__stopped = null;
      box.__every = 0;  // this page's own pace first, the frames' from the first new one
      pollLive(box);
    }
  }
  function show(box, f) {  // false if a newer frame shows already (inline, or polled)
    if (f.seq <= box.__seq) return false;
    box.__seq = f.seq;
    box.dataset.seq = f.seq;  // what shows, for whoever reads the page (tests)
    box.dataset.playing = f.playing ? "true" : "false";
    metrics(box.__row, f.status);
    if (box.__note.textContent !== (f.note || "")) box.__note.textContent = f.note || "";
    grid(box.__charts, f);
    taskView(box.__task, f.task);
    return true;
  }
  async function pollLive(box) {
    const cfg = box.__cfg;
    if (!box.isConnected || !cfg.playing) {
      box.__polling = false;
      box.dataset.polling = "false";  // no poll in flight any more
      return;
    }
    box.dataset.polling = "true";
    const t0 = performance.now();
    let every = box.__every || cfg.every;  // the newest frame's: how often frames come now
    try {
      const r = await fetchFrame(base() + cfg.live);
      if (r.ok) {
        const buf = await r.arrayBuffer();
        const [seqText, length, whole] = frameHeader(buf);
        if (whole && Number(seqText) > box.__seq && box.__url === cfg.live) {
          const f = await inflate(buf, length);
          // not if the page sent a newer frame inline meanwhile (a Pause click's rerun)
          if (box.__url === cfg.live && show(box, f)) {
            every = box.__every = f.every || every;
            if (!f.playing && box.__stopped === null) {
              box.__stopped = f.seq;  // once: the rerun sends playing: false
              box.__polling = false;
              box.dataset.polling = "false";
              box.__component.setTriggerValue("stopped", f.seq);
              return;
            }
            if (f.refresh != null && f.refresh !== box.__refresh) {
              box.__refresh = f.refresh;  // once per value: the rerun sends it inline
              box.__component.setTriggerValue("refresh", f.refresh);
            }
          }
        }
      }
    } catch (e) { /* the next poll tries again */ }
    const wait = (document.hidden ? 1 : every) * 1000;
    setTimeout(() => pollLive(box), Math.max(30, wait - (performance.now() - t0)));
  }
  window.rnnvizChart = function (component) {
    const { data, parentElement } = component;
    if (!data) { loadPlotly(); return; }  // the preload element: fetch plotly.js early
    if (data.startsWith('{"follow"')) { follow(parentElement, JSON.parse(data)); return; }
    if (data.startsWith('{"live"')) { live(parentElement, JSON.parse(data), component); return; }
    update(chartDiv(parentElement), data);
  };
})();
