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
// Framed (/widget in an iframe), the page tells its parent how tall it is, so the host
// sizes the iframe and nothing scrolls inside a scroll: postMessage({type: "wtv:height",
// height}) to the parent's origin, only when that origin is the service's own or one of
// LOOKUP_FRAME_ANCESTORS (data-parents). A script embed needs nothing: it has no frame.
// The map: the precinct's outline in an inline SVG (Web Mercator), with a scale bar,
// the sites numbered as in the list, markers that share a spot spread apart, and
// background tiles only when the county configured a tile URL (map_tiles).
// Places show their display forms (display_name, display_address: title case, a name the
// BOE cut short only to its last whole word, "Road" for RD); the BOE's own fields stay in
// the answer.
// "Good to know": the Board's answers the look-up's help_topics names (from /api/v1/help
// in the widget's language), each a disclosure; on a phone the list starts folded behind
// one "N answers" button, so that the answer stays short. Opening one counts its id once
// per answer (POST /api/v1/questions: the id only, never the address). "Something looks wrong?"
// files a report (POST /api/v1/reports, rate-limited by the service). Posts go to BASE
// with the GETs' options: no cookies, no Referer.
// The staff's changes on the day come in the answer: an emergency relocation
// (changed_reason "emergency") is a banner at the top; a closed site or place carries
// closed_reason and is never counted as open. The county's access details of a place
// are a disclosure on its card ("not known" where null), shown once the answer knows
// any (a county without a details file adds nothing to the phone's answer); its button
// ends a line the card already has (a <details> summary would be a line of its own on
// every card: the phone's answer has a height budget); a photo is a link, never an image
// from another host.
"use strict";

(() => {
  const script = document.currentScript ||
    Array.from(document.querySelectorAll("script[src*='/static/widget.js']")).pop();
  if (!script) return;
  const BASE = new URL(script.src, location.href).href.replace(/\/static\/widget\.js([?#].*)?$/, "");
  const SVG = "http://www.w3.org/2000/svg";
  let instances = 0;

  // ---- small helpers -----------------------------------------------------------------
  // Spanish times end with a period ("7:30 p. m."): no doubled stop where a sentence ends.
  const fill = (tpl, values) => tpl.replace(/\{(\w+)\}/g, (_, k) => values[k] ?? "").replace(/\.\.(?=\s|$)/g, ".");
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
  const DEFAULT_LANG = "en"; // the catalogs' default (lookup/i18n.py), the fallback
  const LOCALES = {}; // code -> the catalog's tag, from /api/v1/strings: no language named here
  const locale = (lang) => LOCALES[lang] || lang;
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

  // A finger, not a mouse: help that speaks of tapping, not of arrow keys.
  const touch = () => Boolean(window.matchMedia && window.matchMedia("(pointer: coarse)").matches);
  const NEAREST = 3; // sites shown before "show all"
  const SHORT_TOPICS = 4; // the Board's answers listed under "Good to know" before "more"
  // A phone (the width at which widget.css lays the widget out for one): the help answers
  // start folded.
  const phone = () => Boolean(window.matchMedia && window.matchMedia("(max-width: 30em)").matches);

  // ---- early-voting sites as of the answer's moment (as the API decides them) -----------
  // Per site the API gives its state at the answer's moment (site_state.py), with no clock
  // of the browser's own; the widget only words it:
  //   open - open now;  later - opens later today at open;  next - closed for the rest of
  //   today, opens next on day at open;  ended - never opens again (early voting is over).
  // The sites to offer by default, as the API's early_voting_outlook says: those open for
  // the rest of today (open now or later); else those opening on its next day; else none.
  // Nearest first, as the API sorts them (sites without a distance last).
  function offered(a) {
    const { when, day: next } = a.early_voting_outlook;
    const sites = a.early_voting_sites.map((s) => ({ s, st: s.state })).filter(({ st }) => (
      when === "today" ? st.kind === "open" || st.kind === "later" : st.kind === "next" && st.day === next));
    return { when, day: next, sites: when === "ended" ? [] : sites };
  }

  // ---- the staff's changes and the county's access details ------------------------------
  const emergency = (a) => Boolean(a.polling_place && a.changed === true && a.changed_reason === "emergency");
  const ACCESS = [
    ["accessible_entrance", "access_entrance"], ["accessible_parking", "access_parking"],
    ["curbside", "access_curbside"], ["transit", "access_transit"], ["notes", "access_notes"],
  ];
  const knowsAccess = (d) => Boolean(d) && (ACCESS.some(([k]) => d[k]) || Boolean(d.phone || d.photo_url));
  const oneLine = (addr) => (addr ? [addr.line1, addr.city, addr.state, addr.zip].filter(Boolean).join(", ") : "");
  const shownPlace = (p) => `${p.display_name || p.name}, ${p.display_address || oneLine(p.address)}`;
  // A local "YYYY-MM-DDTHH:MM": its time alone on the answer's own day, else day and time.
  const untilText = (iso, lang, asOf) => {
    if (!iso) return "";
    const [d, t] = iso.split("T");
    const time = t ? clock(t.slice(0, 5), lang) : "";
    return d === asOf && time ? time : [day(d, lang), time].filter(Boolean).join(", ");
  };

  function preferredLang(attr) {
    if (attr) return attr.toLowerCase();
    for (const tag of navigator.languages || [navigator.language || DEFAULT_LANG]) {
      if (tag) return tag.split("-")[0].toLowerCase();
    }
    return DEFAULT_LANG;
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
      this.parents = (options.parents || "").split(/\s+/).filter(Boolean);
      this.expanded = false; // "show all" pressed for the answer on screen
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

    post(path, body) {
      return fetch(`${BASE}${path}`, {
        method: "POST", credentials: "omit", referrerPolicy: "no-referrer",
        headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
      });
    }

    // The Board's answers in one language, asked once per widget and language.
    helpTopics(lang) {
      this.help = this.help || {};
      if (!this.help[lang]) {
        this.help[lang] = this.api("/api/v1/help", { lang })
          .then(({ status, body }) => (status === 200 ? body.topics : Promise.reject(new Error(String(status)))))
          .catch((err) => { delete this.help[lang]; throw err; }); // asked again next time
      }
      return this.help[lang];
    }

    async start() {
      let res = await this.api("/api/v1/strings", { lang: this.wanted }).catch(() => null);
      if (res && res.status !== 200) res = await this.api("/api/v1/strings", { lang: DEFAULT_LANG }).catch(() => null);
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
      if (this.page) this.watchHeight();
    }

    // ---- framed: the parent sizes the iframe to the page (no scroll inside a scroll) -----
    watchHeight() {
      if (window.parent === window) return;
      let origin = location.ancestorOrigins && location.ancestorOrigins[0];
      if (!origin && document.referrer) {
        try { origin = new URL(document.referrer).origin; } catch { origin = null; }
      }
      // Only to an origin allowed to frame us (the CSP's frame-ancestors): another page
      // never hears from this one.
      if (!origin || ![location.origin, ...this.parents].includes(origin)) return;
      this.parentOrigin = origin;
      this.frameHeight = 0;
      const post = () => this.postHeight();
      if (window.ResizeObserver) new ResizeObserver(post).observe(document.body);
      window.addEventListener("load", post);
      post();
    }

    postHeight() {
      if (!this.parentOrigin) return;
      // The page's own content, and the suggestions list that may hang below it.
      let bottom = document.body.getBoundingClientRect().bottom;
      if (this.list && !this.list.hidden) bottom = Math.max(bottom, this.list.getBoundingClientRect().bottom + 8);
      const height = Math.ceil(bottom + window.scrollY);
      if (height === this.frameHeight) return;
      this.frameHeight = height;
      window.parent.postMessage({ type: "wtv:height", height }, this.parentOrigin);
    }

    setStrings(body) {
      this.S = body;
      LOCALES[body.lang] = body.locale;
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
        el("p", { class: "wtv-help", id: this.id("help"), text: touch() ? T.address_help_touch : T.address_help }));
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
      const count = touch() ? this.T.suggestions_count_touch : this.T.suggestions_count;
      this.status.textContent = items.length ? fill(count, { count: items.length }) : "";
      this.postHeight();
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
      this.postHeight();
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
      if (!quiet) {
        this.expanded = false; // a new answer starts with the nearest sites
        this.results.replaceChildren(el("p", { class: "wtv-searching", text: this.T.searching }));
      }
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
      // An address the data does not know may be the data's fault: it can be reported.
      const missing = error && error.code === "address_not_found" && this.query && this.query.address;
      if (missing) {
        const report = this.reportParts(null, "address_missing");
        box.append(el("div", { class: "wtv-actions" }, report.toggle), report.form, report.result);
      }
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
      if (emergency(a)) out.push(this.emergencyBanner(a));
      out.push(el("p", { class: "wtv-precinct", text: fill(T.precinct, { name: a.precinct.name, id: a.precinct.id }) }));
      this.accessShown = [a.polling_place, ...a.early_voting_sites].some((p) => p && knowsAccess(p.details));
      this.accessCount = 0;

      // Election Day
      const place = a.polling_place;
      // The place's access button shares the heading's line (the lines below are full).
      const access = place ? this.access(place) : null;
      const ed = el("section", { class: "wtv-card wtv-place", "aria-labelledby": this.id("ed") },
        el("div", { class: "wtv-card-head" }, this.heading(2, T.election_day, { id: this.id("ed") }), access && access.toggle));
      if (a.election) {
        ed.append(el("p", { class: "wtv-when", text: fill(T.election_when, { election: a.election.display_name || a.election.name, date: day(a.election.date, L) }) }));
      }
      if (place) {
        ed.append(el("p", { class: "wtv-name", text: place.display_name }));
        ed.append(el("p", { class: "wtv-address", text: place.display_address }));
        ed.append(el("p", { class: "wtv-hours", text: fill(T.polls_hours, { open: clock(place.hours.open, L), close: clock(place.hours.close, L) }) }));
        if (place.closed_reason) {
          const until = untilText(place.closed_until, L, a.as_of);
          ed.append(el("p", { class: "wtv-place-closed" },
            el("span", { class: "wtv-badge wtv-closed", text: T.closed_now }), " ",
            [T.place_closed, place.closed_reason, until ? fill(T.until, { until }) : ""].join(" ").trim()));
          ed.append(this.callLine(null));
        }
        if (a.changed === true && !emergency(a)) {
          // The flag, then a sentence that does not say it again ("CHANGED Your polling
          // place is not ...", "CAMBIÓ Su lugar de votación no es ...").
          const prev = a.previous_polling_place;
          const text = prev
            ? fill(T.changed, { previous: `${prev.display_name}, ${prev.display_address}` })
            : T.changed_unknown;
          ed.append(el("p", { class: "wtv-changed" }, el("strong", { text: T.changed_flag }), " ", text));
        }
        const when = a.election ? day(a.election.date, L) : "";
        ed.append(this.links(place.display_name, place.directions_url, when, a.election ? this.icsUrl({}) : null));
        if (access) ed.append(access.panel);
      } else {
        ed.append(el("p", { text: fill(T.no_place, { phone: this.board.phone }) }));
      }
      out.push(ed);

      // The map: filled in when the precinct's outline arrives
      const map = el("section", { class: "wtv-card wtv-map", "aria-labelledby": this.id("mp"), hidden: true },
        this.heading(2, T.map, { id: this.id("mp") }));
      out.push(map);

      // Early voting: the nearest sites of the moment (open today, or the next day any
      // opens), "show all", and the filters.
      const ev = el("section", { class: "wtv-card wtv-ev", "aria-labelledby": this.id("ev") },
        this.heading(2, T.early_voting, { id: this.id("ev") }));
      if (a.early_voting_sites.length) {
        ev.append(el("p", { class: "wtv-help", text: T.ev_help }));
        const now = offered(a);
        const toggle = el("div", { class: "wtv-toggle", role: "group", "aria-label": T.show });
        const upcoming = now.when === "next" ? T.filter_next : T.filter_today;
        for (const [key, label] of [["now", T.filter_now], ["today", upcoming], ["all", T.filter_all]]) {
          toggle.append(el("button", {
            type: "button", "data-filter": key, "aria-pressed": String(key === this.filter), text: label,
            onclick: () => {
              this.filter = key;
              toggle.querySelectorAll("button").forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.filter === key)));
              this.showSites(a);
            },
          }));
        }
        this.evSummary = el("p", { class: "wtv-ev-summary" });
        this.shared = el("p", { class: "wtv-shared", hidden: true });
        this.siteList = el("ul", { class: "wtv-sites", id: this.id("sites") });
        this.more = el("button", {
          type: "button", class: "wtv-more", "aria-controls": this.id("sites"), hidden: true,
          onclick: () => {
            this.expanded = !this.expanded;
            this.showSites(a);
          },
        });
        ev.append(toggle, this.evSummary, this.shared, this.siteList, this.more);
        this.showSites(a);
      } else {
        ev.append(el("p", { text: T.ev_over }));
      }
      out.push(ev);

      // Good to know: the notices (the demo one is the banner), the Board's answers that
      // apply at the answer's moment (filled in when their texts arrive), and one row of
      // actions: the answers' fold (on a phone) and "Something looks wrong?".
      const notices = a.notices.filter((n) => n.code !== "demo_data");
      const topics = a.help_topics || [];
      const report = this.reportParts(a, "wrong_place");
      const actions = el("div", { class: "wtv-actions" }, report.toggle);
      const card = el("section", { class: "wtv-card wtv-notices", "aria-labelledby": this.id("nt") },
        this.heading(2, T.notices, { id: this.id("nt") }));
      if (notices.length) {
        card.append(el("ul", { class: "wtv-notice-list" }, ...notices.map((n) => el("li", { "data-code": n.code, text: n.message }))));
      }
      const topicList = el("ul", { class: "wtv-topics", id: this.id("topics"), hidden: true });
      card.append(topicList, actions, report.form, report.result);
      out.push(card);

      this.results.replaceChildren(...out);
      this.loadMap(a, map);
      if (topics.length) this.loadTopics(a, topicList, actions);
    }

    // An emergency move by the staff: the new place, the usual one, why, until when.
    emergencyBanner(a) {
      const T = this.T;
      const prev = a.previous_polling_place;
      const place = shownPlace(a.polling_place);
      const text = prev ? fill(T.emergency, { place, previous: shownPlace(prev) }) : fill(T.emergency_here, { place });
      const banner = el("div", { class: "wtv-emergency", "data-change": "emergency" },
        el("p", {}, el("strong", { text: T.emergency_flag }), " ", text));
      const note = a.changed_note || a.polling_place.changed_note;
      if (note) banner.append(el("p", { class: "wtv-emergency-note", text: note }));
      const until = untilText(a.polling_place.changed_until || a.changed_until, this.lang, a.as_of);
      if (until) banner.append(el("p", { text: fill(T.until, { until }) }));
      return banner;
    }

    // A place's access details: a disclosure button (the toggle, for the end of a line of
    // the card) and its panel, each known text and "not known" for the others.
    access(p) {
      if (!this.accessShown || !p || !("details" in p)) return null;
      const T = this.T;
      const d = p.details;
      const name = p.display_name || p.name;
      const panel = el("div", { class: "wtv-access", id: this.id(`access-${++this.accessCount}`), hidden: true });
      if (knowsAccess(d)) {
        const pair = (label, value, lang) => el("div", {}, el("dt", { text: `${label}:` }),
          el("dd", { class: value ? null : "wtv-muted", lang: value ? lang : null }, value || T.not_known));
        const phone = d.phone ? el("a", { href: `tel:${d.phone.replace(/[^\d+]/g, "")}`, text: d.phone }) : null;
        panel.append(el("dl", { class: "wtv-access-list" },
          ...ACCESS.map(([k, key]) => pair(T[key], d[k], d.text_lang && d.text_lang[k])),
          pair(T.access_phone, phone)));
        const photo = safeUrl(d.photo_url, ["https:"]);
        if (photo) {
          panel.append(el("p", {}, el("a", {
            href: photo, target: "_blank", rel: "noopener noreferrer", class: "wtv-photo",
            "aria-label": fill(T.access_photo_of, { name }), text: T.access_photo,
          })));
        }
      } else {
        panel.append(el("p", { class: "wtv-access-none", text: T.access_none }));
      }
      const toggle = el("button", {
        type: "button", class: "wtv-access-toggle", "aria-expanded": "false", "aria-controls": panel.id,
        "aria-label": fill(T.access_of, { name }), text: T.access,
        onclick: () => {
          panel.hidden = !panel.hidden;
          toggle.setAttribute("aria-expanded", String(!panel.hidden));
          this.postHeight();
        },
      });
      return { toggle, panel };
    }

    async loadTopics(a, list, actions) {
      const topics = await this.helpTopics(this.lang).catch(() => null);
      if (!topics || this.answer !== a || !list.isConnected) return;
      const byId = new Map(topics.map((t) => [t.id, t]));
      const opened = new Set(); // counted once per topic for this answer
      const items = a.help_topics.filter((id) => byId.has(id)).map((id) => this.topicItem(byId.get(id), opened));
      if (!items.length) return;
      list.replaceChildren(...items);
      list.hidden = false;
      // A short list: the first few that apply now (the Board's order) and the rest on
      // demand; on a phone all of them start folded, the answer is long enough already.
      const shown = phone() ? 0 : SHORT_TOPICS;
      if (items.length > shown) {
        let all = false;
        const rest = items.slice(shown);
        const more = el("button", { type: "button", class: "wtv-more-topics", "aria-controls": this.id("topics") });
        const show = () => {
          list.hidden = !all && shown === 0;
          for (const item of rest) item.hidden = !all;
          const label = shown ? this.T.topics_more : this.T.topics_all;
          more.textContent = all ? this.T.topics_fewer : fill(label, { count: rest.length });
          more.setAttribute("aria-expanded", String(all));
          this.postHeight();
        };
        more.addEventListener("click", () => { all = !all; show(); });
        actions.prepend(more);
        show();
      }
      this.postHeight();
    }

    topicItem(t, opened) {
      const T = this.T;
      const meta = el("p", { class: "wtv-topic-meta" });
      const url = safeUrl(t.source_url, ["https:", "http:"]);
      if (url) {
        meta.append(el("a", {
          href: url, target: "_blank", rel: "noopener noreferrer", class: "wtv-source",
          text: `${T.topic_source} (${new URL(url).host})`,
        }), " · ");
      }
      meta.append(fill(T.reviewed, { date: day(t.reviewed, this.lang, true) }));
      const details = el("details", { class: "wtv-topic", "data-topic": t.id },
        el("summary", { text: t.title }), el("p", { class: "wtv-topic-body", text: t.body }), meta);
      details.addEventListener("toggle", () => {
        this.postHeight();
        if (!details.open || opened.has(t.id)) return;
        opened.add(t.id);
        // A lost count is no matter of the resident's: nothing to show if it fails.
        this.post("/api/v1/questions", { topics: [t.id], channel: "widget", lang: this.lang }).catch(() => {});
      });
      return el("li", {}, details);
    }

    // "Something looks wrong?": a button that shows a short form (reason, optional note)
    // on the answer (a) or on a not-found address (a null), and the line that says how the
    // sending went.
    reportParts(a, preselected) {
      const T = this.T;
      const formId = this.id("report");
      const result = el("p", { class: "wtv-report-result", role: "status" });
      const note = el("textarea", {
        class: "wtv-note", id: this.id("note"), name: "note", maxlength: "500", rows: "3",
        "aria-describedby": this.id("note-help"),
      });
      const reasons = el("fieldset", { class: "wtv-reasons" }, el("legend", { text: T.report_reason }));
      for (const r of this.S.report_reasons || []) {
        reasons.append(el("label", { class: "wtv-choice" },
          el("input", { type: "radio", name: "reason", value: r, checked: r === preselected }), ` ${T[`reason_${r}`] || r}`));
      }
      const send = el("button", { type: "submit", class: "wtv-submit", text: T.report_send });
      const form = el("form", { class: "wtv-report-form", id: formId, novalidate: true, hidden: true },
        reasons,
        el("label", { class: "wtv-label", for: this.id("note"), text: T.report_note }), note,
        el("p", { class: "wtv-help", id: this.id("note-help"), text: T.report_note_help }),
        send);
      const toggle = el("button", {
        type: "button", class: "wtv-report-link", "aria-expanded": "false", "aria-controls": formId,
        text: T.report_link,
        onclick: () => {
          form.hidden = !form.hidden;
          toggle.setAttribute("aria-expanded", String(!form.hidden));
          if (!form.hidden) (form.querySelector("input:checked") || form.querySelector("input")).focus();
          this.postHeight();
        },
      });
      form.addEventListener("submit", async (ev) => {
        ev.preventDefault();
        const body = { reason: form.elements.reason.value, ...this.reportWhere(a), channel: "widget", lang: this.lang };
        if (a) body.data_version = a.data_version;
        const text = note.value.trim();
        if (text) body.note = text;
        send.disabled = true;
        try {
          const r = await this.post("/api/v1/reports", body);
          const answer = await r.json();
          if (r.status === 202) {
            form.hidden = true;
            toggle.hidden = true;
            result.textContent = T.report_sent;
          } else {
            result.textContent = answer.error ? answer.error.message : T.report_network;
          }
        } catch {
          result.textContent = T.report_network;
        } finally {
          send.disabled = false;
          this.postHeight();
        }
      });
      return { toggle, form, result };
    }

    // What re-checking a report needs: the address as asked, else (a candidate chosen)
    // the answer's own address, else its point.
    reportWhere(a) {
      if (this.query && this.query.address) return { address: this.query.address };
      if (a && a.match.address) return { address: a.match.address };
      return a ? { lat: a.match.lat, lon: a.match.lon } : {};
    }

    // The sites of the filter, nearest first; the nearest three until "show all". Each is
    // numbered by its rank among all sites (the same number marks it on the map). Hours
    // that every site shown shares are said once, above the list.
    showSites(a) {
      const T = this.T;
      const L = this.lang;
      const now = offered(a);
      const all = a.early_voting_sites.map((s, i) => ({ s, st: s.state, n: i + 1 }));
      let chosen;
      let summary;
      let none;
      if (this.filter === "now") {
        chosen = all.filter(({ s, st }) => st.kind === "open" && !s.closed_reason);
        [summary, none] = [T.ev_summary_now, T.ev_none_now];
      } else if (this.filter === "all") {
        chosen = all;
        summary = T.ev_summary_all;
      } else {
        // A site the staff closed stays listed, said closed, whatever its hours now are.
        const keep = new Set(now.sites.map(({ s }) => s));
        chosen = all.filter(({ s }) => keep.has(s) || s.closed_reason);
        summary = now.when === "next" ? fill(T.ev_summary_next, { day: day(now.day, L) }) : T.ev_summary_today;
        none = now.when === "ended" ? T.ev_ended : T.ev_none_today;
      }
      this.evSummary.textContent = chosen.length ? summary : "";
      this.evSummary.hidden = !chosen.length;
      this.more.hidden = chosen.length <= NEAREST;
      this.more.textContent = this.more.hidden ? ""
        : this.expanded ? fill(T.show_nearest, { count: NEAREST }) : fill(T.show_all, { count: chosen.length });
      this.more.setAttribute("aria-expanded", String(this.expanded));
      if (!chosen.length) {
        this.shared.hidden = true;
        this.siteList.replaceChildren(el("li", { class: "wtv-none", text: none }));
        return;
      }
      const shown = this.expanded ? chosen : chosen.slice(0, NEAREST);
      const states = shown.map(({ s, st }) => this.stateOf(s, st));
      const same = shown.length > 1 && states.every((x) => x.key === states[0].key);
      this.shared.hidden = !same;
      if (same) {
        const x = states[0];
        this.shared.replaceChildren(el("span", { class: `wtv-badge ${x.cls}`, text: x.badge }), " ", x.shared);
      }
      const nf = new Intl.NumberFormat(locale(L), { maximumFractionDigits: 1 });
      this.siteList.replaceChildren(...shown.map(({ s, st, n }, k) => {
        const x = states[k];
        const li = el("li", { class: "wtv-site", "data-site": s.id });
        li.append(el("p", { class: "wtv-name" }, el("span", { class: "wtv-num", text: String(n) }), " ", s.display_name));
        const distance = s.distance_miles !== null ? fill(T.miles, { miles: nf.format(s.distance_miles) }) : T.no_distance;
        const access = this.access(s);
        li.append(el("p", { class: "wtv-address" }, `${s.display_address} · ${distance}`,
          access && " · ", access && access.toggle));
        if (!same) li.append(el("p", { class: "wtv-state" }, el("span", { class: `wtv-badge ${x.cls}`, text: x.badge }), " ", x.text));
        let icsDay = null;
        if (st.kind === "open" || st.kind === "later") icsDay = a.as_of;
        else if (st.kind === "next") icsDay = st.day;
        if (s.closed_reason && (a.open_instead || []).length) {
          const byId = new Map(a.early_voting_sites.map((x) => [x.id, x]));
          const names = a.open_instead.map((o) => {
            const site = byId.get(o.id);
            const miles = o.distance_mi !== null && o.distance_mi !== undefined ? ` (${fill(T.miles, { miles: nf.format(o.distance_mi) })})` : "";
            return `${site ? site.display_name : o.name}${miles}`;
          });
          li.append(el("p", { class: "wtv-instead", text: fill(T.open_instead, { sites: names.join("; ") }) }));
        }
        li.append(this.links(s.display_name, s.directions_url, icsDay ? day(icsDay, L) : "",
          icsDay ? this.icsUrl({ site: s.id, day: icsDay }) : null));
        if (access) li.append(access.panel);
        return li;
      }));
    }

    // What a site's card says of its hours (badge and text), what the line above the list
    // says when every site shown shares them, and a key to tell whether they do.
    stateOf(s, st) {
      const T = this.T;
      const L = this.lang;
      const today = (s.hours_today || []).map((h) => fill(T.hours, { open: clock(h.open, L), close: clock(h.close, L) })).join(", ");
      if (s.closed_reason) {
        const until = untilText(s.closed_until, L, this.answer && this.answer.as_of);
        return {
          key: `closed|${s.id}`, cls: "wtv-closed", badge: T.closed_now, shared: "",
          text: [s.closed_reason, until ? fill(T.until, { until }) : ""].join(" ").trim(),
        };
      }
      if (st.kind === "open" || st.kind === "later") {
        const open = st.kind === "open";
        return {
          key: `${st.kind}|${today}`, cls: open ? "wtv-open" : "wtv-later",
          badge: open ? T.open_now : T.opens_later, text: fill(T.today, { hours: today }),
          shared: fill(T.shared_today, { hours: today }),
        };
      }
      if (st.kind === "next") {
        const when = `${day(st.day, L)}, ${clock(st.open, L)}`;
        return {
          key: `next|${when}`, cls: "wtv-closed", badge: T.closed_now,
          text: fill(T.next_open, { when }), shared: fill(T.shared_next, { when }),
        };
      }
      return { key: "ended", cls: "wtv-closed", badge: T.closed_now, text: T.ev_site_over, shared: T.ev_ended };
    }

    // ---- the map: an inline SVG of the precinct, the address and the places -------------
    async loadMap(a, section) {
      const res = await this.api("/api/v1/precinct.geojson", { county: a.precinct.county, id: a.precinct.id }).catch(() => null);
      if (!res || res.status !== 200 || this.answer !== a || !section.isConnected) return;
      section.append(this.drawMap(a, res.body), this.legend(a));
      const tiles = this.S.map_tiles;
      if (tiles && tiles.attribution) section.append(el("p", { class: "wtv-attribution", text: tiles.attribution }));
      section.hidden = false;
    }

    drawMap(a, feature) {
      const T = this.T;
      const geom = feature.geometry;
      const polygons = geom.type === "Polygon" ? [geom.coordinates] : geom.coordinates;
      const rings = polygons.flat();
      const home = [a.match.lon, a.match.lat];
      const place = a.polling_place && a.polling_place.lat !== null ? a.polling_place : null;
      const sites = a.early_voting_sites
        .map((s, i) => ({ s, n: i + 1 }))
        .filter(({ s }) => s.lat !== null && s.lon !== null);
      // Web Mercator (world units 0..1, y down), so that tiles, when configured, line up.
      const merc = ([lon, lat]) => {
        const r = (lat * Math.PI) / 180;
        return [(lon + 180) / 360, (1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2];
      };
      // The frame holds the precinct, the address, the polling place and the nearest site;
      // other sites are drawn when they fall inside it.
      const framed = [...rings.flat(), home];
      if (place) framed.push([place.lon, place.lat]);
      if (sites.length) framed.push([sites[0].s.lon, sites[0].s.lat]);
      const pts = framed.map(merc);
      const xs = pts.map((p) => p[0]);
      const ys = pts.map((p) => p[1]);
      const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
      const W = 400;
      const pad = 22;
      const w = Math.max(x1 - x0, 1e-9);
      const hgt = Math.max(y1 - y0, 1e-9);
      const H = Math.round(Math.min(Math.max((W * hgt) / w, W * 0.55), W * 0.75));
      const s = Math.min((W - 2 * pad) / w, (H - 2 * pad) / hgt);
      const ox = (W - w * s) / 2 - x0 * s;
      const oy = (H - hgt * s) / 2 - y0 * s;
      const xy = (lonlat) => {
        const [mx, my] = merc(lonlat);
        return [ox + mx * s, oy + my * s];
      };
      const d = rings.map((r) => `M${r.map((p) => xy(p).map(f1).join(" ")).join("L")}Z`).join("");

      const map = svg("svg", {
        class: "wtv-svg", viewBox: `0 0 ${W} ${H}`, role: "img",
        "aria-label": fill(T.map_label, { name: a.precinct.name }),
      });
      const tiles = this.tiles(s, ox, oy, W, H);
      if (tiles) map.append(tiles);
      map.append(svg("path", { class: `wtv-precinct${tiles ? " wtv-over-tiles" : ""}`, d, "fill-rule": "evenodd" },
        svg("title", {}, fill(T.map_precinct, { name: a.precinct.name }))));

      // The markers: sites in the frame (the nearest always), the polling place, the home.
      const inside = ([x, y]) => x >= 0 && x <= W && y >= 0 && y <= H;
      const marks = [];
      sites.forEach(({ s: site, n }, i) => {
        const p = xy([site.lon, site.lat]);
        if (i === 0 || inside(p)) marks.push({ kind: "site", p, label: String(n), title: `${n}. ${T.map_site}: ${site.display_name}` });
      });
      if (place) marks.push({ kind: "place", p: xy([place.lon, place.lat]), title: `${T.map_place}: ${place.display_name}` });
      marks.push({ kind: "home", p: xy(home), title: `${T.map_home}: ${a.match.address || `${a.match.lat}, ${a.match.lon}`}` });
      map.append(...this.placeMarks(marks));
      map.append(this.scaleBar(s, (y0 + y1) / 2, H));
      return map;
    }

    // Markers closer than they are wide would hide one another (the home at a library
    // that is also a site): each group is spread on a small circle around its spot, a
    // dot and thin lines marking the spot itself.
    placeMarks(marks) {
      const R = 7;
      const groups = [];
      for (const m of marks) {
        const g = groups.find((grp) => Math.hypot(grp.at[0] - m.p[0], grp.at[1] - m.p[1]) < 2.2 * R);
        if (g) g.marks.push(m);
        else groups.push({ at: m.p, marks: [m] });
      }
      const out = [];
      for (const g of groups) {
        if (g.marks.length === 1) {
          out.push(this.marker(g.marks[0], g.marks[0].p, R));
          continue;
        }
        const ring = 2.6 * R;
        const spread = g.marks.map((m, k) => {
          const angle = -Math.PI / 2 + (2 * Math.PI * k) / g.marks.length;
          return [g.at[0] + ring * Math.cos(angle), g.at[1] + ring * Math.sin(angle)];
        });
        for (const p of spread) {
          out.push(svg("line", { class: "wtv-leader", x1: f1(g.at[0]), y1: f1(g.at[1]), x2: f1(p[0]), y2: f1(p[1]) }));
        }
        out.push(svg("circle", { class: "wtv-spot", cx: f1(g.at[0]), cy: f1(g.at[1]), r: "2.5" }));
        g.marks.forEach((m, k) => out.push(this.marker(m, spread[k], R)));
      }
      return out;
    }

    marker(m, p, r) {
      const g = svg("g", { class: `wtv-mk wtv-mk-${m.kind}` }, this.shape(m.kind, p, r), svg("title", {}, m.title));
      if (m.label) {
        g.append(svg("text", { class: "wtv-mk-label", x: f1(p[0] + r + 2), y: f1(p[1] + 5) }, m.label));
      }
      return g;
    }

    // A scale bar in the bottom left corner: the longest round distance under a third of
    // the width, in miles.
    scaleBar(s, yMid, H) {
      const lat = Math.atan(Math.sinh(Math.PI * (1 - 2 * yMid))); // Mercator y back to latitude
      const milesPerUnit = (40075016.686 * Math.cos(lat)) / 1609.344; // a world unit, in miles
      const perMile = s / milesPerUnit;
      const steps = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 50];
      const miles = steps.filter((m) => m * perMile <= 130).pop() || steps[0];
      const len = miles * perMile;
      const [x, y] = [10, H - 10];
      const nf = new Intl.NumberFormat(locale(this.lang), { maximumFractionDigits: 2 });
      const text = fill(this.T.map_scale, { miles: nf.format(miles) });
      return svg("g", { class: "wtv-scale" },
        svg("rect", { class: "wtv-scale-bg", x: f1(x - 4), y: f1(y - 22), width: f1(Math.max(len, text.length * 7.5) + 8), height: "28", rx: "3" }),
        svg("path", { class: "wtv-scale-bar", d: `M${f1(x)} ${f1(y - 6)}V${f1(y)}H${f1(x + len)}V${f1(y - 6)}` }),
        svg("text", { class: "wtv-scale-text", x: f1(x), y: f1(y - 9) }, text));
    }

    // Background tiles (LOOKUP_TILE_URL), when the county configured them: the tiles of
    // the zoom nearest the map's scale that cover the view.
    tiles(s, ox, oy, W, H) {
      const cfg = this.S.map_tiles;
      if (!cfg || !cfg.url) return null;
      const z = Math.max(0, Math.min(19, Math.round(Math.log2(s / 256))));
      const n = 2 ** z;
      const size = s / n;
      const [ax, bx] = [-ox / s, (W - ox) / s];
      const [ay, by] = [-oy / s, (H - oy) / s];
      const g = svg("g", { class: "wtv-tiles", "aria-hidden": "true" });
      for (let ty = Math.max(0, Math.floor(ay * n)); ty <= Math.min(n - 1, Math.floor(by * n)); ty++) {
        for (let tx = Math.floor(ax * n); tx <= Math.floor(bx * n); tx++) {
          const url = safeUrl(fill(cfg.url, { z, x: ((tx % n) + n) % n, y: ty }), ["https:", "http:"]);
          if (!url) continue;
          g.append(svg("image", {
            href: url, x: f1(ox + tx * size), y: f1(oy + ty * size),
            width: f1(size + 0.5), height: f1(size + 0.5), preserveAspectRatio: "none",
          }));
        }
      }
      return g;
    }

    // Shapes, not only colours, tell the markers apart: circle, square, triangle.
    shape(kind, [x, y], r) {
      if (kind === "home") return svg("circle", { cx: f1(x), cy: f1(y), r: f1(r) });
      if (kind === "place") return svg("rect", { x: f1(x - r), y: f1(y - r), width: f1(2 * r), height: f1(2 * r) });
      return svg("path", { d: `M${f1(x)} ${f1(y - r * 1.2)}L${f1(x + r * 1.1)} ${f1(y + r * 0.8)}L${f1(x - r * 1.1)} ${f1(y + r * 0.8)}Z` });
    }

    legend(a) {
      const T = this.T;
      const item = (kind, text) => el("li", {},
        svg("svg", { viewBox: "0 0 20 20", class: `wtv-key wtv-mk-${kind}`, "aria-hidden": "true", focusable: "false" },
          this.shape(kind, [10, 10], 7)),
        text);
      const items = [item("home", T.map_home)];
      if (a.polling_place && a.polling_place.lat !== null) items.push(item("place", T.map_place));
      if (a.early_voting_sites.some((s) => s.lat !== null)) items.push(item("site", T.map_site_key));
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
    parents: script.dataset.parents,
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
