// The 311 representative console (/rep). Plain JavaScript, no build step, no external
// request. Every piece of data is inserted with textContent: names and addresses come
// from Board of Elections files and are untrusted.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const STRINGS = JSON.parse($("rep-strings").textContent);
  const UI = document.body.dataset.lang;
  const T = STRINGS[UI];
  // Notice codes that ask to confirm: {caller: {code: script key}, board: [code]} (rep.py).
  const CONFIRM = JSON.parse($("rep-confirm").textContent);
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
  let listFor = null;  // the text the suggestions shown were asked for
  let dismissed = null;  // text the representative closed the suggestions on (Escape)
  let accepted = null;  // a suggestion taken into the box

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
  const locale = (lang) => STRINGS[lang].locale; // the catalog's tag: no language named here
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
  function showList(items, q) {
    if (q === dismissed) return;  // closed with Escape: not reopened for the same text
    suggestions = items;
    listFor = q;
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
    accepted = input.value.trim();
    closeList();
  }
  const suggest = (q) => api("/api/v1/suggest", { q, limit: "8" })
    .then(({ status, body }) => (status === 200 ? body.suggestions : []));
  // "Exact": the typed words are a suggestion's own words, in order, through at least its
  // whole first line ("912 Main St" is 912 MAIN ST, DEMO CITY, NC 28990; "4337 glenw" is
  // no street). The suggest API writes what it finds as the address lookup reads it, so
  // such text is looked up as typed; anything shorter would be a guess.
  const words = (t) => t.toUpperCase().replace(/[.,]/g, " ").split(/\s+/).filter(Boolean);
  function exact(q, address) {
    const typed = words(q);
    const full = words(address);
    return typed.length >= words(address.split(",")[0]).length
      && typed.length <= full.length && typed.every((w, k) => w === full[k]);
  }
  input.addEventListener("input", () => {
    clearTimeout(typing);
    const q = input.value.trim();
    if (q.length < 3) { closeList(); return; }
    typing = setTimeout(async () => {
      const items = await suggest(q);
      if (input.value.trim() === q) showList(items, q);
    }, 120);
  });
  input.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape") {  // also before the suggestions arrive: they stay away
      dismissed = input.value.trim();
      closeList();
      return;
    }
    if (list.hidden) return;
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      ev.preventDefault();
      const n = suggestions.length;
      highlight(ev.key === "ArrowDown" ? (active + 1) % n : (active - 1 + n) % n);
    } else if (ev.key === "Enter" && active >= 0) {
      ev.preventDefault();
      choose(active);
    }
  });
  input.addEventListener("blur", () => setTimeout(closeList, 150));

  // ---- look-up and the three outcomes -------------------------------------------------
  $("lookup-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    submitted().catch(unanswered);
  });
  // Enter with no suggestion highlighted: text taken from a suggestion, or dismissed with
  // Escape, is looked up as it stands; otherwise the suggestions for it decide: none, or
  // an exact one, and it is looked up; only partial ones, and they are offered instead.
  async function submitted() {
    const q = input.value.trim();
    if (!q) return;
    clearTimeout(typing);
    if (q !== accepted && q !== dismissed && q.length >= 3) {
      const items = listFor === q && !list.hidden ? suggestions : await suggest(q);
      if (input.value.trim() !== q) return;  // typed on meanwhile
      if (items.length && !items.some((s) => exact(q, s.address))) {
        showList(items, q);
        $("status").textContent = T.pick_suggestion;
        return;
      }
    }
    closeList();
    await lookUp(q);
  }
  // The service did not answer (network, or no JSON): said once, in the error section.
  function unanswered() {
    showError({ error: { message: fill(T.network_error, { phone: $("board-phone").textContent }) } });
  }

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
      // The server's label tells the candidates apart (address and precinct); a server
      // without labels: the address, and the precinct beside it.
      const b = el("button", `${i + 1}. ${c.label || c.address}`);
      b.type = "button";
      if (c.precinct && !c.label) b.appendChild(el("span", ` — ${T.precinct} ${c.precinct.id}`, "muted"));
      b.addEventListener("click", () => {
        input.value = c.address;
        if (c.pick) pickCandidate(c.pick).catch(unanswered);
        else lookUp(c.address);
      });
      const li = el("li");
      li.appendChild(b);
      ol.appendChild(li);
    });
    $("candidates").hidden = false;
    $("status").textContent = body.error.message;
    ol.querySelector("button")?.focus();
  }
  // A chosen candidate is answered by its pick token: looking its text up again would
  // only ask the same question.
  async function pickCandidate(pick) {
    $("status").textContent = T.searching;
    for (const id of ["answer", "candidates", "error"]) $(id).hidden = true;
    const query = { pick, lang: UI, channel: "rep", include: "schedule" };
    const { status, body } = await api("/api/v1/lookup", query);
    return status === 200 ? showAnswer(body) : showError(body);
  }
  document.addEventListener("keydown", (ev) => {
    if ($("candidates").hidden || !/^[1-9]$/.test(ev.key) || ev.target === input) return;
    const buttons = $("candidate-list").querySelectorAll("button");
    buttons[Number(ev.key) - 1]?.click();
  });

  // The message is shown once, in the error section; the status line (shown too, and
  // spoken) is cleared rather than repeating it: the focused heading reads it as its
  // description.
  function showError(body) {
    for (const id of ["answer", "candidates"]) $(id).hidden = true;
    $("error-message").textContent = body.error.message;
    $("error").hidden = false;
    $("status").textContent = "";
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
    const confirms = $("confirm-notices");
    clear(notices);
    clear(confirms);
    for (const n of a.notices) (asksToConfirm(n.code) ? confirms : notices).appendChild(el("li", n.message));
    $("confirm").hidden = !confirms.firstChild;
    showDetails(a);
    $("board-name").textContent = a.board_of_elections.name;
    $("board-phone").textContent = a.board_of_elections.phone;
    $("board-phone").href = `tel:${a.board_of_elections.phone}`;
    setScriptLang(scriptLang);
    $("answer").hidden = false;
    $("status").textContent = T.found;
    $("answer-title").focus();
  }

  const asksToConfirm = (code) => code in CONFIRM.caller || CONFIRM.board.includes(code);

  // ---- early-voting sites as of the answer's moment ------------------------------------
  // The API decides what each site is doing at the answer's moment (site_state.py), with
  // no clock of the browser's own; this script only words it. Per site, state:
  //   open   — open now, until close (the end of the current span)
  //   later  — opens later today at open (until close)
  //   next   — closed for the rest of today; opens next on day at open (until close)
  //   ended  — never opens again (early voting is over)
  const hoursText = (open, close, lang) => (close
    ? fill(STRINGS[lang].hours, { open: clock(open, lang), close: clock(close, lang) })
    : clock(open, lang));
  function stateText(st) {
    if (st.kind === "open") return fill(T.open_until, { close: clock(st.close, UI) });
    if (st.kind === "later") return fill(T.opens_later, { hours: hoursText(st.open, st.close, UI) });
    if (st.kind === "next") {
      return fill(T.reopens, { day: day(st.day, UI), hours: hoursText(st.open, st.close, UI) });
    }
    return T.ended;
  }
  // The sites to offer now, each with its state, as the API's early_voting_outlook says:
  // those open for the rest of today (open or opening later); else those opening on its
  // next day; else none (early voting is over). Nearest first, as the API sorts them.
  function offered(a) {
    const { when, day: next } = a.early_voting_outlook;
    const sites = a.early_voting_sites.map((s) => ({ s, st: s.state })).filter(({ st }) => (
      when === "today" ? st.kind === "open" || st.kind === "later" : st.kind === "next" && st.day === next));
    return { when, day: next, sites: when === "ended" ? [] : sites };
  }

  function siteItem(s, withSchedule, st) {
    const li = el("li");
    li.appendChild(el("strong", s.display_name));
    li.appendChild(el("span", `, ${s.display_address}`));
    li.appendChild(el("span", ` (${s.distance_miles !== null ? fill(T.miles, { miles: s.distance_miles }) : T.no_distance})`));
    const today = s.hours_today && s.hours_today.length
      ? s.hours_today.map((h) => fill(T.hours, { open: clock(h.open, UI), close: clock(h.close, UI) })).join(", ")
      : T.closed;
    li.appendChild(el("div", `${today} — ${stateText(st)}`));
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
    const now = offered(a);
    const today = $("ev-sites");
    const all = $("ev-all-sites");
    clear(today);
    clear(all);
    now.sites.forEach(({ s, st }) => today.appendChild(siteItem(s, false, st)));
    a.early_voting_sites.forEach((s) => all.appendChild(siteItem(s, true, s.state)));
    $("ev-all").hidden = a.early_voting_sites.length === 0;
    let summary = T.ev_over;
    if (a.early_voting_sites.length && now.when === "today") {
      summary = now.sites.length === 1 ? T.ev_today_one : fill(T.ev_today, { count: now.sites.length });
    } else if (now.when === "next") {
      summary = fill(T.ev_next, { day: day(now.day, UI) });
    } else if (a.early_voting_sites.length) {
      summary = T.ev_ended;
    }
    $("ev-summary").textContent = summary;
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
    // Anything the caller must confirm comes first: the rest rests on it.
    const asked = new Set(a.notices.map((n) => CONFIRM.caller[n.code]).filter(Boolean));
    for (const key of asked) parts.push(fill(S[key], { address: a.match.address }));
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
    parts.push(...earlyVoting(a, lang));
    // Spanish times end with a period ("7:30 p. m."): no doubled stop at a sentence end.
    return parts.join(" ").replace(/\.\./g, ".");
  }
  // What the script says of early voting, true at the answer's moment: the nearest site
  // open now (until when), else opening later today, else on the next day any opens, or
  // that early voting is over. "Nearest" only among sites with a distance; those without
  // one are counted as such. A site whose address is not known yet (TBD) is no place to
  // send a caller.
  function earlyVoting(a, lang) {
    const S = STRINGS[lang];
    if (!a.early_voting_sites.length) return [];
    const now = offered(a);
    if (now.when === "ended") {
      return a.election ? [fill(S.script_ev_ended, { day: day(a.election.date, lang) })] : [];
    }
    const usable = now.sites.filter(({ s }) => s.address.line1);
    const kinds = now.when === "today" ? ["open", "later"] : ["next"];
    for (const kind of kinds) {
      const group = usable.filter(({ st }) => st.kind === kind);
      const ranked = group.filter(({ s }) => s.distance_miles !== null);
      const pick = ranked[0] || group[0];
      if (!pick) continue;
      const { s, st } = pick;
      const site = fill(nameless(s) ? S.script_ev_unnamed : S.script_ev_site, {
        name: s.display_name, address: s.spoken_address,
      });
      const key = `script_ev_${kind}${ranked.length ? "" : "_any"}`;
      const parts = [S.script_ev_intro, fill(S[key], {
        site, day: st.day ? day(st.day, lang) : "", open: clock(st.open, lang),
        close: st.close ? clock(st.close, lang) : "",
      })];
      const unknown = group.length - ranked.length;
      if (ranked.length && unknown) {
        parts.push(unknown === 1 ? S.script_no_distance_one : fill(S.script_no_distance, { count: unknown }));
      }
      return parts;
    }
    return [];
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
    clearTimeout(typing);
    listFor = dismissed = accepted = null;
    closeList();
    setScriptLang(UI);  // the next caller hears the console's language until asked otherwise
    for (const id of ["answer", "candidates", "error"]) $(id).hidden = true;
    for (const id of ["script", "matched", "error-message"]) $(id).textContent = "";
    clear($("confirm-notices"));
    $("confirm").hidden = true;
    $("status").textContent = T.cleared;
    input.focus();
  }
  $("new-call").addEventListener("click", newCall);
  document.addEventListener("keydown", (ev) => {
    if (ev.altKey && (ev.key === "n" || ev.key === "N")) { ev.preventDefault(); newCall(); }
  });
  input.focus();
})();
