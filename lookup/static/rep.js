// The 311 representative console (/rep). Plain JavaScript, no build step, no external
// request. Every piece of data is inserted with textContent: names and addresses come
// from Board of Elections files and are untrusted.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const STRINGS = JSON.parse($("rep-strings").textContent);
  const UI = document.body.dataset.lang;
  const T = STRINGS[UI];
  const params = new URLSearchParams(location.search);
  // date= / at= pin "now" (for tests, and for "where can I vote next Saturday?").
  const moment = {};
  for (const k of ["date", "at"]) if (params.get(k)) moment[k] = params.get(k);

  const input = $("address");
  const list = $("suggestions");
  let active = -1;
  let suggestions = [];
  let lastAnswer = null;
  let scriptLang = UI;
  let typing = null;

  const fill = (tpl, values) => tpl.replace(/\{(\w+)\}/g, (_, k) => values[k] ?? "");
  const clear = (el) => { while (el.firstChild) el.removeChild(el.firstChild); };
  const el = (tag, text, cls) => {
    const e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  };
  const api = (path, query) => {
    const q = new URLSearchParams({ ...query, ...moment });
    return fetch(`${path}?${q}`).then(async (r) => ({ status: r.status, body: await r.json() }));
  };

  // ---- dates and times in the reader's language -------------------------------------
  const locale = (lang) => (lang === "es" ? "es-US" : "en-US");
  const day = (iso, lang) => {
    const [y, m, d] = iso.split("-").map(Number);
    return new Intl.DateTimeFormat(locale(lang), {
      weekday: "long", month: "long", day: "numeric", timeZone: "UTC",
    }).format(new Date(Date.UTC(y, m - 1, d)));
  };
  const clock = (hhmm, lang) => {
    const [h, m] = hhmm.split(":").map(Number);
    return new Intl.DateTimeFormat(locale(lang), {
      hour: "numeric", minute: "2-digit", timeZone: "UTC",
    }).format(new Date(Date.UTC(2000, 0, 1, h, m)));
  };
  // Places are shown and read in their display forms (title case, a name the BOE cut
  // short only to its last whole word, "Road" for RD); the BOE's own fields stay in the
  // answer. A place whose spoken_name is set has no usable name (Q, TBD): the script
  // says "the polling place at <address>" in the script's own language.
  const nameless = (p) => p.spoken_name !== null && p.spoken_name !== undefined;

  // ---- autocomplete ----------------------------------------------------------------
  function closeList() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }
  function showList(items) {
    suggestions = items;
    clear(list);
    items.forEach((s, i) => {
      const li = el("li", s.address);
      li.id = `suggestion-${i}`;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.addEventListener("mousedown", (ev) => { ev.preventDefault(); choose(i); });
      list.appendChild(li);
    });
    list.hidden = items.length === 0;
    input.setAttribute("aria-expanded", String(items.length > 0));
    active = -1;
  }
  function highlight(i) {
    const options = list.querySelectorAll("[role=option]");
    options.forEach((o, k) => o.setAttribute("aria-selected", String(k === i)));
    active = i;
    if (i >= 0) input.setAttribute("aria-activedescendant", options[i].id);
  }
  function choose(i) {
    input.value = suggestions[i].address;
    closeList();
  }
  input.addEventListener("input", () => {
    clearTimeout(typing);
    const q = input.value.trim();
    if (q.length < 3) { closeList(); return; }
    typing = setTimeout(async () => {
      const { status, body } = await api("/api/v1/suggest", { q, limit: "8" });
      if (status === 200 && input.value.trim() === q) showList(body.suggestions);
    }, 120);
  });
  input.addEventListener("keydown", (ev) => {
    if (list.hidden) return;
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      ev.preventDefault();
      const n = suggestions.length;
      highlight(ev.key === "ArrowDown" ? (active + 1) % n : (active - 1 + n) % n);
    } else if (ev.key === "Enter" && active >= 0) {
      ev.preventDefault();
      choose(active);
    } else if (ev.key === "Escape") {
      closeList();
    }
  });
  input.addEventListener("blur", () => setTimeout(closeList, 150));

  // ---- look-up and the three outcomes -------------------------------------------------
  $("lookup-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    closeList();
    if (input.value.trim()) lookUp(input.value.trim());
  });

  async function lookUp(address) {
    $("status").textContent = T.searching;
    for (const id of ["answer", "candidates", "error"]) $(id).hidden = true;
    // The console lists every site with its day-by-day hours: it asks for the schedules
    // (the API leaves them out unless asked).
    const query = { address, lang: UI, channel: "rep", include: "schedule" };
    const { status, body } = await api("/api/v1/lookup", query);
    if (status === 200) return showAnswer(body);
    if (status === 422 && body.error.details.candidates) return showCandidates(body);
    return showError(body);
  }

  function showCandidates(body) {
    const ol = $("candidate-list");
    clear(ol);
    body.error.details.candidates.forEach((c, i) => {
      const b = el("button", `${i + 1}. ${c.address}`);
      b.type = "button";
      if (c.precinct) b.appendChild(el("span", ` — ${T.precinct} ${c.precinct.id}`, "muted"));
      b.addEventListener("click", () => { input.value = c.address; lookUp(c.address); });
      const li = el("li");
      li.appendChild(b);
      ol.appendChild(li);
    });
    $("candidates").hidden = false;
    $("status").textContent = body.error.message;
    ol.querySelector("button")?.focus();
  }
  document.addEventListener("keydown", (ev) => {
    if ($("candidates").hidden || !/^[1-9]$/.test(ev.key) || ev.target === input) return;
    const buttons = $("candidate-list").querySelectorAll("button");
    buttons[Number(ev.key) - 1]?.click();
  });

  function showError(body) {
    $("error-message").textContent = body.error.message;
    $("error").hidden = false;
    $("status").textContent = body.error.message;
    $("error-title").focus();
  }

  // A named place shows its name before its street address ("BEATTIES FORD LIBRARY —
  // 2412 BEATTIES FORD RD"); coordinates given show as coordinates.
  function matchedText(m) {
    const where = m.address || `${m.lat}, ${m.lon}`;
    return m.place ? `${m.place.name} — ${where}` : where;
  }

  function showAnswer(a) {
    lastAnswer = a;
    $("matched").textContent = fill(T.matched, { address: matchedText(a.match) });
    $("precinct").textContent = `${a.precinct.id} — ${a.precinct.name}`;
    const place = a.polling_place;
    const dd = $("election-day");
    clear(dd);
    if (place && a.election) {
      dd.appendChild(el("strong", place.display_name));
      dd.appendChild(el("span", `, ${place.display_address} — ${day(a.election.date, UI)}, `));
      dd.appendChild(el("span", fill(T.hours, {
        open: clock(place.hours.open, UI), close: clock(place.hours.close, UI),
      })));
    } else {
      dd.textContent = T.no_place;
    }
    const changed = $("changed");
    changed.hidden = !a.changed;
    if (a.changed && a.previous_polling_place) {
      changed.textContent = fill(T.changed, {
        previous: `${a.previous_polling_place.display_name}, ${a.previous_polling_place.display_address}`,
      });
    }
    showSites(a);
    const notices = $("notices");
    clear(notices);
    for (const n of a.notices) notices.appendChild(el("li", n.message));
    showDetails(a);
    $("board-name").textContent = a.board_of_elections.name;
    $("board-phone").textContent = a.board_of_elections.phone;
    $("board-phone").href = `tel:${a.board_of_elections.phone}`;
    setScriptLang(scriptLang);
    $("answer").hidden = false;
    $("status").textContent = T.found;
    $("answer-title").focus();
  }

  function siteItem(s, withSchedule) {
    const li = el("li");
    li.appendChild(el("strong", s.display_name));
    li.appendChild(el("span", `, ${s.display_address}`));
    if (s.distance_miles !== null) li.appendChild(el("span", ` (${fill(T.miles, { miles: s.distance_miles })})`));
    const today = s.hours_today && s.hours_today.length
      ? s.hours_today.map((h) => fill(T.hours, { open: clock(h.open, UI), close: clock(h.close, UI) })).join(", ")
      : T.closed;
    li.appendChild(el("div", `${today} — ${s.open_now ? T.open_now : T.closed_now}`));
    if (withSchedule) {
      const sched = el("ul", undefined, "schedule");
      for (const d of s.schedule) {
        const hours = d.open ? fill(T.hours, { open: clock(d.open, UI), close: clock(d.close, UI) }) : T.closed;
        sched.appendChild(el("li", `${day(d.date, UI)}: ${hours}`));
      }
      li.appendChild(sched);
    }
    return li;
  }

  function showSites(a) {
    const open = a.early_voting_sites.filter((s) => s.hours_today && s.hours_today.length);
    const today = $("ev-sites");
    const all = $("ev-all-sites");
    clear(today);
    clear(all);
    open.forEach((s) => today.appendChild(siteItem(s, false)));
    a.early_voting_sites.forEach((s) => all.appendChild(siteItem(s, true)));
    $("ev-all").hidden = a.early_voting_sites.length === 0;
    $("ev-summary").textContent = a.early_voting_sites.length === 0
      ? T.ev_over
      : open.length ? fill(T.ev_today, { count: open.length }) : T.ev_none_today;
  }

  function showDetails(a) {
    const dl = $("match-details");
    clear(dl);
    const rows = [
      [T.source, a.match.source], [T.score, String(a.match.score)],
      [T.normalized, a.match.normalized || "—"],
      [T.parsed, Object.entries(a.match.parsed || {}).map(([k, v]) => `${k}: ${v}`).join("; ") || "—"],
      [T.verify, String(a.verify)], [T.data_version, a.data_version],
    ];
    for (const [k, v] of rows) { dl.appendChild(el("dt", k)); dl.appendChild(el("dd", v)); }
  }

  // ---- the read-aloud script --------------------------------------------------------
  function script(a, lang) {
    const S = STRINGS[lang];
    const parts = [];
    if (a.demo) parts.push(S.script_demo);
    const place = a.polling_place;
    if (place && a.election) {
      parts.push(fill(nameless(place) ? S.script_place_unnamed : S.script_place, {
        day: day(a.election.date, lang), name: place.display_name, address: place.spoken_address,
        open: clock(place.hours.open, lang), close: clock(place.hours.close, lang),
      }));
      if (a.changed) parts.push(S.script_changed);
    } else {
      parts.push(fill(S.script_no_place, { phone: a.board_of_elections.phone }));
    }
    // A site whose address is not known yet (TBD) is no place to send a caller.
    const first = a.early_voting_sites.find((s) => s.address.line1 && s.hours_today && s.hours_today.length);
    if (first) {
      parts.push(fill(nameless(first) ? S.script_ev_unnamed : S.script_ev, {
        name: first.display_name, address: first.spoken_address,
        open: clock(first.hours_today[0].open, lang),
        close: clock(first.hours_today[first.hours_today.length - 1].close, lang),
      }));
    }
    // Spanish times end with a period ("7:30 p. m."): no doubled stop at a sentence end.
    return parts.join(" ").replace(/\.\./g, ".");
  }
  function setScriptLang(lang) {
    scriptLang = lang;
    document.querySelectorAll(".script-lang").forEach((b) => {
      b.setAttribute("aria-pressed", String(b.dataset.lang === lang));
    });
    if (lastAnswer) {
      $("script").textContent = script(lastAnswer, lang);
      $("script").lang = lang;
    }
  }
  document.querySelectorAll(".script-lang").forEach((b) => {
    b.addEventListener("click", () => setScriptLang(b.dataset.lang));
  });
  $("copy-script").addEventListener("click", async () => {
    const text = $("script").textContent;
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      const range = document.createRange();  // no clipboard permission: select it instead
      range.selectNodeContents($("script"));
      getSelection().removeAllRanges();
      getSelection().addRange(range);
    }
    $("status").textContent = STRINGS[UI].copied;
  });

  // ---- a new call clears everything ---------------------------------------------------
  function newCall() {
    lastAnswer = null;
    input.value = "";
    closeList();
    for (const id of ["answer", "candidates", "error"]) $(id).hidden = true;
    for (const id of ["script", "matched", "error-message"]) $(id).textContent = "";
    $("status").textContent = T.cleared;
    input.focus();
  }
  $("new-call").addEventListener("click", newCall);
  document.addEventListener("keydown", (ev) => {
    if (ev.altKey && (ev.key === "n" || ev.key === "N")) { ev.preventDefault(); newCall(); }
  });
  input.focus();
})();
