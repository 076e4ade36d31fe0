// "Where do I vote?" — the resident widget. Plain JavaScript, no build step, no request
// beyond the service that serves this file. Two ways in:
//   - /widget (an iframe-able page of the service): <script ... data-page>, rendered in place;
//   - any site: <div id="where-to-vote"></div>
//     <script src="https://SERVICE/static/widget.js" data-target="where-to-vote"
//             data-lang="es" async></script>
//     rendered inside an open Shadow DOM, so the host's CSS and ours never meet.
// Optional attributes: data-lang (else the browser's language), data-date / data-at
// (answer as of that day or moment). Every piece of data is inserted with textContent or
// setAttribute: names and addresses come from Board of Elections files and are untrusted.
// Places show their display forms (display_name, display_address: title case, a name the
// BOE cut short only to its last whole word, "Road" for RD); the BOE's own fields stay in
// the answer.
"use strict";

(() => {
  const script = document.currentScript ||
    Array.from(document.querySelectorAll("script[src*='/static/widget.js']")).pop();
  if (!script) return;
  const BASE = new URL(script.src, location.href).href.replace(/\/static\/widget\.js([?#].*)?$/, "");
  const SVG = "http://www.w3.org/2000/svg";
  let instances = 0;

  // ---- small helpers -----------------------------------------------------------------
  const fill = (tpl, values) => tpl.replace(/\{(\w+)\}/g, (_, k) => values[k] ?? "");
  const el = (tag, props, ...children) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "text") e.textContent = v;
      else if (k === "class") e.className = v;
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children) if (c) e.append(c);
    return e;
  };
  const svg = (tag, attrs, ...children) => {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    for (const c of children) if (c) e.append(c);
    return e;
  };
  const safeUrl = (url, schemes) => {
    try {
      const u = new URL(url);
      return schemes.includes(u.protocol) ? u.href : null;
    } catch {
      return null;
    }
  };
  const locale = (lang) => (lang === "es" ? "es-US" : "en-US");
  // The API gives local ISO dates and HH:MM times: format them as such (UTC in, UTC out,
  // so the reader's own time zone never shifts a day).
  const day = (iso, lang, year) => {
    const [y, m, d] = iso.split("-").map(Number);
    return new Intl.DateTimeFormat(locale(lang), {
      weekday: "long", month: "long", day: "numeric", year: year ? "numeric" : undefined,
      timeZone: "UTC",
    }).format(new Date(Date.UTC(y, m - 1, d)));
  };
  const clock = (hhmm, lang) => {
    const [h, m] = hhmm.split(":").map(Number);
    return new Intl.DateTimeFormat(locale(lang), {
      hour: "numeric", minute: "2-digit", timeZone: "UTC",
    }).format(new Date(Date.UTC(2000, 0, 1, h, m)));
  };

  function preferredLang(attr) {
    if (attr) return attr.toLowerCase();
    for (const tag of navigator.languages || [navigator.language || "en"]) {
      if (tag) return tag.split("-")[0].toLowerCase();
    }
    return "en";
  }

  // ---- one widget ------------------------------------------------------------------------
  class Widget {
    constructor(host, options) {
      this.n = ++instances;
      this.page = options.page;
      this.host = host;
      this.moment = {};
      for (const k of ["date", "at"]) if (options[k]) this.moment[k] = options[k];
      this.wanted = preferredLang(options.lang);
      this.query = null; // {address} or {lat, lon}: what the answer on screen was asked for
      this.answer = null;
      this.filter = "today";
      this.suggestions = [];
      this.active = -1;
      this.seq = 0;
      this.start();
    }

    id(name) { return `wtv${this.n}-${name}`; }

    api(path, query) {
      const q = new URLSearchParams({ ...query, ...this.moment });
      return fetch(`${BASE}${path}?${q}`, { credentials: "omit", referrerPolicy: "no-referrer" })
        .then(async (r) => ({ status: r.status, body: await r.json() }));
    }

    async start() {
      let res = await this.api("/api/v1/strings", { lang: this.wanted }).catch(() => null);
      if (res && res.status !== 200) res = await this.api("/api/v1/strings", { lang: "en" }).catch(() => null);
      // No answer (down, or this origin not allowed by CORS): whatever the host element
      // holds (the page's own form, a city's fallback link) stays as it is.
      if (!res || res.status !== 200) return;
      this.setStrings(res.body);
      if (this.page) {
        this.root = this.host;
      } else {
        this.root = this.host.attachShadow({ mode: "open" });
        this.sheet = el("link", { rel: "stylesheet", href: `${BASE}/static/widget.css` });
        this.cssSettled = false;
        const settle = () => {
          this.cssSettled = true;
          if (this.wrap) this.wrap.hidden = false;
        };
        this.sheet.addEventListener("load", settle, { once: true });
        this.sheet.addEventListener("error", settle, { once: true });
        this.root.append(this.sheet);
      }
      const typed = this.page ? this.host.querySelector("input[name=address]") : null;
      this.render(typed && typed.value, typed && document.activeElement === typed);
    }

    setStrings(body) {
      this.S = body;
      this.T = body.strings;
      this.lang = body.lang;
    }

    // ---- the frame: banner, title, languages, form, results, board ---------------------
    render(value, focus) {
      const T = this.T;
      const h = this.page ? 1 : 2; // the title's heading level; sections go one deeper
      this.level = h;
      const wrap = el("section", { class: "wtv", lang: this.lang, "aria-labelledby": this.id("title") });
      if (!this.page && !this.cssSettled) wrap.hidden = true; // no unstyled flash
      this.banner = el("p", { class: "wtv-demo", role: "note", text: this.S.demo_notice, hidden: !this.S.demo });
      wrap.append(this.banner);

      const langs = el("div", { class: "wtv-langs", role: "group", "aria-label": T.language });
      for (const l of this.S.languages) {
        langs.append(el("button", {
          type: "button", class: "wtv-lang", lang: l.code, "data-lang": l.code,
          "aria-pressed": String(l.code === this.lang), text: l.name,
          onclick: () => this.switchLang(l.code),
        }));
      }
      wrap.append(el("div", { class: "wtv-head" },
        el(`h${h}`, { class: "wtv-title", id: this.id("title"), text: T.title }), langs));
      wrap.append(el("p", { class: "wtv-intro", text: T.intro }));

      this.input = el("input", {
        class: "wtv-input", id: this.id("address"), type: "text", name: "address",
        maxlength: "200", autocomplete: "off", required: true, spellcheck: "false",
        role: "combobox", "aria-autocomplete": "list", "aria-expanded": "false",
        "aria-controls": this.id("suggestions"), "aria-describedby": this.id("help"),
      });
      if (value) this.input.value = value;
      this.list = el("ul", {
        class: "wtv-list", id: this.id("suggestions"), role: "listbox",
        "aria-label": T.suggestions, hidden: true,
      });
      const form = el("form", { class: "wtv-form", role: "search", novalidate: true },
        el("label", { class: "wtv-label", for: this.id("address"), text: T.address_label }),
        el("div", { class: "wtv-row" },
          el("div", { class: "wtv-combo" }, this.input, this.list),
          el("button", { class: "wtv-submit", type: "submit", text: T.submit })),
        el("p", { class: "wtv-help", id: this.id("help"), text: T.address_help }));
      form.addEventListener("submit", (ev) => {
        ev.preventDefault();
        this.closeList();
        const text = this.input.value.trim();
        if (text) this.lookUp({ address: text });
        else this.input.focus();
      });
      this.bindCombo();
      wrap.append(form);

      this.status = el("div", { class: "wtv-sr", role: "status" });
      this.results = el("div", { class: "wtv-results", "aria-live": "polite" });
      this.phone = el("a", {});
      wrap.append(this.status, this.results, el("p", { class: "wtv-foot" }, `${T.board} `, this.phone));
      this.setBoard(this.S.board_of_elections);

      this.root.replaceChildren(...(this.sheet ? [this.sheet] : []), wrap);
      this.wrap = wrap;
      if (this.page) {
        document.documentElement.lang = this.lang;
        document.title = T.title;
      }
      if (focus) this.input.focus();
    }

    setBoard(board) {
      this.board = board;
      this.phone.textContent = board.phone;
      this.phone.href = `tel:${board.phone.replace(/[^\d+]/g, "")}`;
    }

    async switchLang(code) {
      if (code === this.lang) return;
      const res = await this.api("/api/v1/strings", { lang: code }).catch(() => null);
      if (!res || res.status !== 200) return;
      this.setStrings(res.body);
      const value = this.input.value;
      this.render(value, false);
      this.wrap.querySelector(`.wtv-lang[data-lang="${code}"]`).focus();
      if (this.page) {
        const url = new URL(location.href);
        url.searchParams.set("lang", code);
        history.replaceState(null, "", url);
      }
      if (this.query) await this.lookUp(this.query, { quiet: true });
    }

    // ---- autocomplete (WAI-ARIA combobox with a listbox) --------------------------------
    bindCombo() {
      this.input.addEventListener("input", () => {
        clearTimeout(this.typing);
        const q = this.input.value.trim();
        if (q.length < 3) { this.closeList(); return; }
        this.typing = setTimeout(async () => {
          const seq = this.seq; // a look-up started meanwhile makes these stale
          const res = await this.api("/api/v1/suggest", { q, limit: "8", lang: this.lang }).catch(() => null);
          if (res && res.status === 200 && this.input.value.trim() === q && seq === this.seq) {
            this.showList(res.body.suggestions);
          }
        }, 150);
      });
      this.input.addEventListener("keydown", (ev) => {
        const open = !this.list.hidden;
        if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
          if (!this.suggestions.length) return;
          ev.preventDefault();
          if (!open) this.showList(this.suggestions);
          const n = this.suggestions.length;
          const i = ev.key === "ArrowDown" ? (this.active + 1) % n : (this.active - 1 + n) % n;
          this.highlight(i);
        } else if (ev.key === "Enter" && open && this.active >= 0) {
          ev.preventDefault();
          this.choose(this.active);
        } else if (ev.key === "Escape") {
          clearTimeout(this.typing); // and no list pops up after Escape either
          if (open) ev.preventDefault();
          this.closeList();
        }
      });
      this.input.addEventListener("blur", () => setTimeout(() => this.closeList(), 150));
    }

    showList(items) {
      this.suggestions = items;
      this.active = -1;
      this.list.replaceChildren(...items.map((s, i) => el("li", {
        id: this.id(`option-${i}`), role: "option", "aria-selected": "false", text: s.address,
        onmousedown: (ev) => { ev.preventDefault(); this.choose(i); },
      })));
      this.list.hidden = items.length === 0;
      this.input.setAttribute("aria-expanded", String(items.length > 0));
      this.input.removeAttribute("aria-activedescendant");
      this.status.textContent = items.length ? fill(this.T.suggestions_count, { count: items.length }) : "";
    }

    highlight(i) {
      const options = this.list.querySelectorAll("[role=option]");
      options.forEach((o, k) => o.setAttribute("aria-selected", String(k === i)));
      this.active = i;
      this.input.setAttribute("aria-activedescendant", options[i].id);
      options[i].scrollIntoView({ block: "nearest" });
    }

    closeList() {
      this.list.hidden = true;
      this.input.setAttribute("aria-expanded", "false");
      this.input.removeAttribute("aria-activedescendant");
      this.active = -1;
    }

    choose(i) {
      const s = this.suggestions[i];
      this.input.value = s.address;
      this.closeList();
      this.suggestions = [];
      this.lookUp({ address: s.address });
    }

    // ---- look-up and its three outcomes --------------------------------------------------
    async lookUp(query, { quiet = false, focus = false } = {}) {
      const seq = ++this.seq;
      clearTimeout(this.typing);
      this.closeList();
      this.results.setAttribute("aria-busy", "true");
      if (!quiet) this.results.replaceChildren(el("p", { class: "wtv-searching", text: this.T.searching }));
      const res = await this.api("/api/v1/lookup", { ...query, lang: this.lang, channel: "widget" }).catch(() => null);
      if (seq !== this.seq) return;
      this.results.removeAttribute("aria-busy");
      if (!res) return this.showError(this.T.network_error, null);
      if (res.body.board_of_elections) this.setBoard(res.body.board_of_elections);
      if (res.body.demo !== undefined) this.banner.hidden = !(res.body.demo || this.S.demo);
      if (res.status === 200) {
        this.query = query;
        this.answer = res.body;
        this.showAnswer(res.body);
      } else if (res.status === 422 && res.body.error.details.candidates) {
        this.query = query;
        this.answer = null;
        this.showCandidates(res.body);
      } else {
        this.query = query;
        this.answer = null;
        this.showError(res.body.error ? res.body.error.message : this.T.network_error, res.body.error);
      }
      if (focus) this.results.querySelector("[tabindex='-1']")?.focus();
    }

    heading(depth, text, props) {
      return el(`h${Math.min(this.level + depth, 6)}`, { text, ...props });
    }

    callLine(other) {
      // Another county's address: its board when the answer knows its phone, else the
      // State Board (which gives any county board's number) - never this county's.
      const b = other || this.board;
      return el("p", { class: "wtv-call" }, other ? `${b.name}: ` : `${this.T.board} `,
        el("a", { href: `tel:${b.phone.replace(/[^\d+]/g, "")}`, text: b.phone }));
    }

    showError(message, error) {
      const d = (error && error.details) || {};
      const other = d.reason === "other_county"
        ? ((d.board && d.board.phone) ? d.board : d.state_board) : null;
      const box = el("div", { class: "wtv-error", "data-code": error ? error.code : "network" },
        this.heading(1, this.T.error_title, { tabindex: "-1" }),
        el("p", { text: message }),
        this.callLine(other));
      this.results.replaceChildren(box);
    }

    showCandidates(body) {
      const T = this.T;
      const list = el("ul", { class: "wtv-candidates" });
      for (const c of body.error.details.candidates) {
        // The server's label tells the candidates apart (address and precinct); a
        // server without labels: the address, and the precinct beside it.
        const button = el("button", { type: "button", class: "wtv-candidate" }, el("span", { text: c.label || c.address }));
        if (c.precinct && !c.label) {
          button.append(el("span", { class: "wtv-muted", text: fill(T.candidate_precinct, { name: c.precinct.name }) }));
        }
        button.addEventListener("click", () => {
          this.input.value = c.address;
          // pick= answers exactly this candidate; the address text would ask again.
          this.lookUp(c.pick ? { pick: c.pick } : { address: c.address }, { focus: true });
        });
        list.append(el("li", {}, button));
      }
      this.results.replaceChildren(el("div", { class: "wtv-pick" },
        this.heading(1, T.pick_title, { tabindex: "-1" }),
        el("p", { text: body.error.message }),
        el("p", { text: T.pick_help }),
        list));
    }

    icsUrl(extra) {
      const q = new URLSearchParams({ ...this.query, lang: this.lang, channel: "widget", ...this.moment, ...extra });
      return `${BASE}/api/v1/calendar.ics?${q}`;
    }

    links(name, directions, when, ics) {
      const box = el("p", { class: "wtv-links" });
      const url = safeUrl(directions, ["https:"]);
      if (url) {
        box.append(el("a", {
          href: url, target: "_blank", rel: "noopener noreferrer", class: "wtv-directions",
          "aria-label": fill(this.T.directions_to, { name }), text: this.T.directions,
        }));
      }
      if (ics) {
        box.append(el("a", {
          href: ics, class: "wtv-calendar", download: "",
          "aria-label": fill(this.T.calendar_for, { name, date: when }), text: this.T.add_calendar,
        }));
      }
      return box;
    }

    showAnswer(a) {
      const T = this.T;
      const L = this.lang;
      const out = [];
      const where = a.match.place
        ? `${a.match.place.name} — ${a.match.address}`
        : a.match.address || `${a.match.lat}, ${a.match.lon}`;
      out.push(this.heading(1, fill(T.found, { address: where }), { tabindex: "-1", class: "wtv-found" }));
      out.push(el("p", { class: "wtv-precinct", text: fill(T.precinct, { name: a.precinct.name, id: a.precinct.id }) }));

      // Election Day
      const place = a.polling_place;
      const ed = el("section", { class: "wtv-card wtv-place", "aria-labelledby": this.id("ed") },
        this.heading(2, T.election_day, { id: this.id("ed") }));
      if (a.election) {
        ed.append(el("p", { class: "wtv-when", text: fill(T.election_when, { election: a.election.name, date: day(a.election.date, L) }) }));
      }
      if (place) {
        ed.append(el("p", { class: "wtv-name", text: place.display_name }));
        ed.append(el("p", { class: "wtv-address", text: place.display_address }));
        ed.append(el("p", { class: "wtv-hours", text: fill(T.polls_hours, { open: clock(place.hours.open, L), close: clock(place.hours.close, L) }) }));
        if (a.changed === true) {
          const prev = a.previous_polling_place;
          ed.append(el("p", { class: "wtv-changed" },
            el("strong", { text: T.changed_flag }), " ",
            fill(T.changed, { previous: prev ? `${prev.display_name}, ${prev.display_address}` : "" })));
        }
        const when = a.election ? day(a.election.date, L) : "";
        ed.append(this.links(place.display_name, place.directions_url, when, a.election ? this.icsUrl({}) : null));
      } else {
        ed.append(el("p", { text: fill(T.no_place, { phone: this.board.phone }) }));
      }
      out.push(ed);

      // The map: filled in when the precinct's outline arrives
      const map = el("section", { class: "wtv-card wtv-map", "aria-labelledby": this.id("mp"), hidden: true },
        this.heading(2, T.map, { id: this.id("mp") }));
      out.push(map);

      // Early voting
      const ev = el("section", { class: "wtv-card wtv-ev", "aria-labelledby": this.id("ev") },
        this.heading(2, T.early_voting, { id: this.id("ev") }));
      if (a.early_voting_sites.length) {
        ev.append(el("p", { class: "wtv-help", text: T.ev_help }));
        const toggle = el("div", { class: "wtv-toggle", role: "group", "aria-label": T.show });
        this.siteList = el("ul", { class: "wtv-sites" });
        for (const [key, label] of [["now", T.filter_now], ["today", T.filter_today], ["all", T.filter_all]]) {
          toggle.append(el("button", {
            type: "button", "data-filter": key, "aria-pressed": String(key === this.filter), text: label,
            onclick: () => {
              this.filter = key;
              toggle.querySelectorAll("button").forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.filter === key)));
              this.showSites(a);
            },
          }));
        }
        ev.append(toggle, this.siteList);
        this.showSites(a);
      } else {
        ev.append(el("p", { text: T.ev_over }));
      }
      out.push(ev);

      // Notices (the demo one is the banner)
      const notices = a.notices.filter((n) => n.code !== "demo_data");
      if (notices.length) {
        out.push(el("section", { class: "wtv-card wtv-notices", "aria-labelledby": this.id("nt") },
          this.heading(2, T.notices, { id: this.id("nt") }),
          el("ul", {}, ...notices.map((n) => el("li", { "data-code": n.code, text: n.message })))));
      }

      this.results.replaceChildren(...out);
      this.loadMap(a, map);
    }

    showSites(a) {
      const T = this.T;
      const L = this.lang;
      const keep = {
        now: (s) => s.open_now,
        today: (s) => s.hours_today && s.hours_today.length > 0,
        all: () => true,
      }[this.filter];
      const sites = a.early_voting_sites.filter(keep);
      if (!sites.length) {
        this.siteList.replaceChildren(el("li", { class: "wtv-none", text: this.filter === "now" ? T.ev_none_now : T.ev_none_today }));
        return;
      }
      const nf = new Intl.NumberFormat(locale(L), { maximumFractionDigits: 1 });
      this.siteList.replaceChildren(...sites.map((s) => {
        const li = el("li", { class: "wtv-site", "data-site": s.id });
        li.append(el("p", { class: "wtv-name", text: s.display_name }));
        const addr = [s.display_address];
        if (s.distance_miles !== null) addr.push(fill(T.miles, { miles: nf.format(s.distance_miles) }));
        li.append(el("p", { class: "wtv-address", text: addr.join(" · ") }));
        li.append(el("p", { class: `wtv-badge ${s.open_now ? "wtv-open" : "wtv-closed"}`, text: s.open_now ? T.open_now : T.closed_now }));
        const open = s.hours_today && s.hours_today.length > 0;
        if (open) {
          const hours = s.hours_today.map((h) => fill(T.hours, { open: clock(h.open, L), close: clock(h.close, L) })).join(", ");
          li.append(el("p", { class: "wtv-hours", text: fill(T.today, { hours }) }));
        } else {
          li.append(el("p", { class: "wtv-hours", text: T.closed_today }));
        }
        let icsDay = null;
        if (open) icsDay = a.as_of;
        if (!s.open_now && s.next_open) {
          const [d, t] = s.next_open.split("T");
          li.append(el("p", { class: "wtv-next", text: fill(T.next_open, { when: `${day(d, L)}, ${clock(t.slice(0, 5), L)}` }) }));
          if (!open) icsDay = d;
        }
        li.append(this.links(s.display_name, s.directions_url, icsDay ? day(icsDay, L) : "",
          icsDay ? this.icsUrl({ site: s.id, day: icsDay }) : null));
        return li;
      }));
    }

    // ---- the map: an inline SVG of the precinct, the address and the places -------------
    async loadMap(a, section) {
      const res = await this.api("/api/v1/precinct.geojson", { county: a.precinct.county, id: a.precinct.id }).catch(() => null);
      if (!res || res.status !== 200 || this.answer !== a || !section.isConnected) return;
      section.append(this.drawMap(a, res.body), this.legend(a));
      section.hidden = false;
    }

    drawMap(a, feature) {
      const T = this.T;
      const geom = feature.geometry;
      const polygons = geom.type === "Polygon" ? [geom.coordinates] : geom.coordinates;
      const rings = polygons.flat();
      const home = [a.match.lon, a.match.lat];
      const place = a.polling_place && a.polling_place.lat !== null ? a.polling_place : null;
      const sites = a.early_voting_sites.filter((s) => s.lat !== null && s.lon !== null);
      // The frame holds the precinct, the address, the polling place and the nearest site;
      // other sites are drawn when they fall inside it.
      const framed = [...rings.flat(), home];
      if (place) framed.push([place.lon, place.lat]);
      if (sites.length) framed.push([sites[0].lon, sites[0].lat]);
      const lons = framed.map((p) => p[0]);
      const lats = framed.map((p) => p[1]);
      const [x0, x1, y0, y1] = [Math.min(...lons), Math.max(...lons), Math.min(...lats), Math.max(...lats)];
      const k = Math.cos(((y0 + y1) / 2) * Math.PI / 180); // equirectangular, true at mid-latitude
      const W = 400;
      const pad = 18;
      const w = Math.max((x1 - x0) * k, 1e-9);
      const hgt = Math.max(y1 - y0, 1e-9);
      const H = Math.round(Math.min(Math.max(W * hgt / w, W * 0.5), W));
      const s = Math.min((W - 2 * pad) / w, (H - 2 * pad) / hgt);
      const ox = (W - w * s) / 2;
      const oy = (H - hgt * s) / 2;
      const xy = ([lon, lat]) => [ox + (lon - x0) * k * s, oy + (y1 - lat) * s];
      const f = (v) => v.toFixed(1);
      const d = rings.map((r) => `M${r.map((p) => xy(p).map(f).join(" ")).join("L")}Z`).join("");

      const map = svg("svg", {
        class: "wtv-svg", viewBox: `0 0 ${W} ${H}`, role: "img",
        "aria-label": fill(T.map_label, { name: a.precinct.name }),
      });
      map.append(svg("path", { class: "wtv-precinct", d, "fill-rule": "evenodd" },
        svg("title", {}, fill(T.map_precinct, { name: a.precinct.name }))));
      const inside = ([x, y]) => x >= 0 && x <= W && y >= 0 && y <= H;
      sites.forEach((site, i) => {
        const p = xy([site.lon, site.lat]);
        if (i === 0 || inside(p)) map.append(this.marker("site", p, `${T.map_site}: ${site.display_name}`));
      });
      if (place) map.append(this.marker("place", xy([place.lon, place.lat]), `${T.map_place}: ${place.display_name}`));
      map.append(this.marker("home", xy(home), `${T.map_home}: ${a.match.address || `${a.match.lat}, ${a.match.lon}`}`));
      return map;
    }

    // Shapes, not only colours, tell the markers apart: circle, square, triangle.
    shape(kind, [x, y], r) {
      if (kind === "home") return svg("circle", { cx: f1(x), cy: f1(y), r: f1(r) });
      if (kind === "place") return svg("rect", { x: f1(x - r), y: f1(y - r), width: f1(2 * r), height: f1(2 * r) });
      return svg("path", { d: `M${f1(x)} ${f1(y - r * 1.2)}L${f1(x + r * 1.1)} ${f1(y + r * 0.8)}L${f1(x - r * 1.1)} ${f1(y + r * 0.8)}Z` });
    }

    marker(kind, p, title) {
      return svg("g", { class: `wtv-mk wtv-mk-${kind}` }, this.shape(kind, p, 7), svg("title", {}, title));
    }

    legend(a) {
      const T = this.T;
      const item = (kind, text) => el("li", {},
        svg("svg", { viewBox: "0 0 20 20", class: `wtv-key wtv-mk-${kind}`, "aria-hidden": "true", focusable: "false" },
          this.shape(kind, [10, 10], 7)),
        text);
      const items = [item("home", T.map_home)];
      if (a.polling_place && a.polling_place.lat !== null) items.push(item("place", T.map_place));
      if (a.early_voting_sites.some((s) => s.lat !== null)) items.push(item("site", T.map_site));
      const area = el("li", {}, svg("svg", { viewBox: "0 0 20 20", class: "wtv-key", "aria-hidden": "true", focusable: "false" },
        svg("rect", { class: "wtv-precinct", x: "2", y: "4", width: "16", height: "12" })),
      fill(T.map_precinct, { name: a.precinct.name }));
      return el("ul", { class: "wtv-legend" }, ...items, area);
    }
  }
  const f1 = (v) => v.toFixed(1);

  // ---- start -------------------------------------------------------------------------------
  const options = {
    page: script.hasAttribute("data-page"),
    lang: script.dataset.lang,
    date: script.dataset.date,
    at: script.dataset.at,
  };
  const start = () => {
    const host = document.getElementById(script.dataset.target || "where-to-vote");
    if (host && !host.shadowRoot && !host.dataset.wtv) {
      host.dataset.wtv = "on";
      new Widget(host, options);
    }
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
