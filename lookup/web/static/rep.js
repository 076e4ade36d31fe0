// The 311 representative console (/rep). Plain JavaScript, no build step, no external
// request. Every piece of data is inserted with textContent: names and addresses come
// from Board of Elections files and are untrusted, as do the Board's help answers.
// Keys: Enter looks up, 1-9 pick a candidate, / searches the answers for callers, 1-8
// (Alt+1-8 anywhere) mark what the caller asked, Alt+W reports a wrong answer, Alt+A
// reads the places' access details in the script, Alt+N sends the marks and starts the
// next call.
// The staff's changes on the day (POST /admin/changes) come in the answer: an emergency
// relocation (changed_reason "emergency") is shown and read first; a closed site or place
// carries closed_reason (and closed_until) and is never said to be open.
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
  let lastQuery = null;  // {address}: what the answer or error on screen was asked for
  let lastError = null;  // the error code on screen (a not-found address can be reported)
  let lastLookup = null;  // the query of the answer on screen, as asked (address or pick)
  // The answer on screen in other script languages: the staff's reasons and the county's
  // access details are texts in the answer's language (lang -> answer, or its Promise).
  let inLang = {};
  let accessOn = false;  // "Read access details": the places' details are in the script

  const fill = (tpl, values) => tpl.replace(/\{(\w+)\}/g, (_, k) => values[k] ?? "");
  const clear = (el) => { while (el.firstChild) el.removeChild(el.firstChild); };
  const el = (tag, text, cls) => {
    const e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  };
  // Where a bare key is text, not a command: typing "1" or "/" in a box stays typing.
  const typingIn = (t) => Boolean(t) && (t.isContentEditable || t.tagName === "TEXTAREA"
    || t.tagName === "SELECT" || (t.tagName === "INPUT"
      && !["checkbox", "radio", "button", "submit", "reset"].includes(t.type)));
  const post = (path, body, extra) => fetch(path, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body), ...extra,
  });
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
    for (const id of ["answer", "candidates", "error", "report"]) $(id).hidden = true;
    lastQuery = { address };
    // The console lists every site with its day-by-day hours: it asks for the schedules
    // (the API leaves them out unless asked).
    const query = { address, lang: UI, channel: "rep", include: "schedule" };
    lastLookup = { address };
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
        lastQuery = { address: c.address };
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
    for (const id of ["answer", "candidates", "error", "report"]) $(id).hidden = true;
    const query = { pick, lang: UI, channel: "rep", include: "schedule" };
    lastLookup = { pick };
    const { status, body } = await api("/api/v1/lookup", query);
    return status === 200 ? showAnswer(body) : showError(body);
  }
  document.addEventListener("keydown", (ev) => {
    if ($("candidates").hidden || !/^[1-9]$/.test(ev.key) || ev.altKey || typingIn(ev.target)) return;
    const buttons = $("candidate-list").querySelectorAll("button");
    buttons[Number(ev.key) - 1]?.click();
  });

  // The message is shown once, in the error section; the status line (shown too, and
  // spoken) is cleared rather than repeating it: the focused heading reads it as its
  // description.
  function showError(body) {
    for (const id of ["answer", "candidates"]) $(id).hidden = true;
    lastAnswer = null;
    lastError = body.error.code || null;
    $("report-error").hidden = !reportable();
    renderTopics();
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
    lastError = null;
    inLang = { [UI]: a };
    showEmergency(a);
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
      if (place.closed_reason) {
        const until = untilText(place.closed_until, UI, a.as_of);
        const closed = el("div", undefined, "closed-now");
        closed.appendChild(el("strong", fill(until ? T.place_closed_until : T.place_closed, {
          reason: place.closed_reason, until,
        })));
        closed.appendChild(el("div", fill(T.place_closed_call, { phone: a.board_of_elections.phone })));
        dd.appendChild(closed);
      }
      const access = accessBlock(place);
      if (access) dd.appendChild(access);
    } else {
      dd.textContent = T.no_place;
    }
    const changed = $("changed");
    // An emergency move is said in its own block, at the top.
    changed.hidden = !a.changed || emergency(a);
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
    setScriptLang(scriptLang);  // the script, and the topics that apply to this answer first
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
    if (s.closed_reason) {
      const until = untilText(s.closed_until, UI, lastAnswer && lastAnswer.as_of);
      const line = el("div", `${today} — `, "closed-now");
      line.appendChild(el("strong", fill(until ? T.site_closed_until : T.site_closed, {
        reason: s.closed_reason, until,
      })));
      li.appendChild(line);
    } else {
      li.appendChild(el("div", `${today} — ${stateText(st)}`));
    }
    if (withSchedule) {
      const sched = el("ul", undefined, "schedule");
      for (const d of s.schedule) {
        const hours = d.open ? fill(T.hours, { open: clock(d.open, UI), close: clock(d.close, UI) }) : T.closed;
        sched.appendChild(el("li", `${day(d.date, UI)}: ${hours}`));
      }
      li.appendChild(sched);
    }
    const access = accessBlock(s);
    if (access) li.appendChild(access);
    return li;
  }

  function showSites(a) {
    const now = offered(a);
    const today = $("ev-sites");
    const all = $("ev-all-sites");
    clear(today);
    clear(all);
    // A site the staff closed stays in the list, said closed, whatever its hours now are.
    const listed = new Set(now.sites.map(({ s }) => s));
    a.early_voting_sites.filter((s) => listed.has(s) || s.closed_reason)
      .forEach((s) => today.appendChild(siteItem(s, false, s.state)));
    a.early_voting_sites.forEach((s) => all.appendChild(siteItem(s, true, s.state)));
    $("ev-all").hidden = a.early_voting_sites.length === 0;
    let summary = T.ev_over;
    // A site the staff closed is listed (marked closed), not counted as open.
    const open = now.sites.filter(({ s }) => !s.closed_reason).length;
    const closed = a.early_voting_sites.filter((s) => s.closed_reason).length;
    if (a.early_voting_sites.length && now.when === "today") {
      summary = open === 1 ? T.ev_today_one : fill(T.ev_today, { count: open });
    } else if (now.when === "next") {
      summary = fill(T.ev_next, { day: day(now.day, UI) });
    } else if (a.early_voting_sites.length) {
      summary = T.ev_ended;
    }
    if (closed) summary += ` ${closed === 1 ? T.ev_closed_one : fill(T.ev_closed, { count: closed })}`;
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
    // An emergency move comes before anything else: the caller must not go to the usual place.
    const parts = emergencyScript(a, lang);
    // Anything the caller must confirm comes next: the rest rests on it.
    const asked = new Set(a.notices.map((n) => CONFIRM.caller[n.code]).filter(Boolean));
    for (const key of asked) parts.push(fill(S[key], { address: a.match.address }));
    if (a.demo) parts.push(S.script_demo);
    const place = a.polling_place;
    if (place && a.election) {
      parts.push(fill(nameless(place) ? S.script_place_unnamed : S.script_place, {
        day: day(a.election.date, lang), name: place.display_name, address: place.spoken_address,
        open: clock(place.hours.open, lang), close: clock(place.hours.close, lang),
      }));
      if (a.changed && !emergency(a)) parts.push(S.script_changed);
      if (place.closed_reason) {
        parts.push(fill(S.script_place_closed, {
          place: spokenPlace(place, S), reason: sentence(place.closed_reason),
          phone: a.board_of_elections.phone,
        }));
        const until = untilText(place.closed_until, lang, a.as_of);
        if (until) parts.push(fill(S.script_until, { until }));
      }
    } else {
      parts.push(fill(S.script_no_place, { phone: a.board_of_elections.phone }));
    }
    const ev = earlyVoting(a, lang);
    parts.push(...ev.parts);
    if (accessOn) {
      if (place) parts.push(...accessScript(place, lang));
      if (ev.site) parts.push(...accessScript(ev.site, lang));
    }
    // Spanish times end with a period ("7:30 p. m."): no doubled stop at a sentence end.
    return parts.join(" ").replace(/\.\./g, ".");
  }
  // What the script says of early voting, true at the answer's moment: the nearest site
  // open now (until when), else opening later today, else on the next day any opens, or
  // that early voting is over. "Nearest" only among sites with a distance; those without
  // one are counted as such. A site whose address is not known yet (TBD) is no place to
  // send a caller.
  // A site the staff closed (closed_reason) is said closed, with its reason, when it is
  // nearer than the one offered; then the other sites open now (the answer's open_instead).
  // Returns the sentences and the site they offer (its access details can follow).
  function earlyVoting(a, lang) {
    const S = STRINGS[lang];
    const none = { parts: [], site: null };
    if (!a.early_voting_sites.length) return none;
    const now = offered(a);
    if (now.when === "ended") {
      return a.election ? { parts: [fill(S.script_ev_ended, { day: day(a.election.date, lang) })], site: null } : none;
    }
    const usable = now.sites.filter(({ s }) => s.address.line1);
    const kinds = now.when === "today" ? ["open", "later"] : ["next"];
    for (const kind of kinds) {
      const group = usable.filter(({ s, st }) => st.kind === kind && !(kind === "open" && s.closed_reason));
      const ranked = group.filter(({ s }) => s.distance_miles !== null);
      const pick = ranked[0] || group[0];
      if (!pick) continue;
      const { s, st } = pick;
      const key = `script_ev_${kind}${ranked.length ? "" : "_any"}`;
      const parts = [S.script_ev_intro];
      const sites = a.early_voting_sites;
      const nearer = sites.slice(0, sites.indexOf(s)).filter((c) => c.closed_reason && c.address.line1);
      for (const c of nearer) parts.push(...closedSiteScript(c, a, lang));
      parts.push(fill(S[key], {
        site: spokenPlace(s, S), day: st.day ? day(st.day, lang) : "", open: clock(st.open, lang),
        close: st.close ? clock(st.close, lang) : "",
      }));
      const unknown = group.length - ranked.length;
      if (ranked.length && unknown) {
        parts.push(unknown === 1 ? S.script_no_distance_one : fill(S.script_no_distance, { count: unknown }));
      }
      const others = nearer.length ? (a.open_instead || []).filter((o) => o.id !== s.id) : [];
      if (others.length) {
        const byId = new Map(a.early_voting_sites.map((x) => [x.id, x]));
        const names = others.map((o) => (byId.has(o.id) ? spokenPlace(byId.get(o.id), S) : o.name));
        parts.push(fill(S.script_open_instead, { sites: listOf(names, lang) }));
      }
      return { parts, site: s };
    }
    return none;
  }
  function closedSiteScript(s, a, lang) {
    const S = STRINGS[lang];
    const parts = [fill(S.script_site_closed, { site: spokenPlace(s, S), reason: sentence(s.closed_reason) })];
    const until = untilText(s.closed_until, lang, a.as_of);
    if (until) parts.push(fill(S.script_until, { until }));
    return parts;
  }

  // ---- the staff's changes and the county's access details ------------------------------
  const emergency = (a) => Boolean(a && a.polling_place && a.changed === true && a.changed_reason === "emergency");
  // Until when an emergency move holds (local "YYYY-MM-DDTHH:MM"), where the answer says.
  const movedUntil = (a) => a.polling_place.changed_until || a.changed_until || null;
  const sentence = (text) => {
    const t = (text || "").trim();
    return !t || /[.!?…]$/.test(t) ? t : `${t}.`;
  };
  const listOf = (items, lang) => new Intl.ListFormat(locale(lang), { type: "conjunction" }).format(items);
  // A local "YYYY-MM-DDTHH:MM": its time alone on the answer's own day, else day and time.
  function untilText(iso, lang, asOf) {
    if (!iso) return "";
    const [d, t] = iso.split("T");
    const time = t ? clock(t.slice(0, 5), lang) : "";
    return d === asOf && time ? time : [day(d, lang), time].filter(Boolean).join(", ");
  }
  const oneLine = (addr) => (addr ? [addr.line1, addr.city, addr.state, addr.zip].filter(Boolean).join(", ") : "");
  const shownName = (p) => p.display_name || p.name;
  const shownAddress = (p) => p.display_address || oneLine(p.address);
  const spokenPlace = (p, S) => fill(nameless(p) ? S.script_ev_unnamed : S.script_ev_site, {
    name: shownName(p), address: p.spoken_address || shownAddress(p),
  });

  function showEmergency(a) {
    const box = $("emergency");
    const facts = $("emergency-facts");
    clear(facts);
    box.hidden = !emergency(a);
    const title = $("answer-title");
    if (box.hidden) { title.removeAttribute("aria-describedby"); return; }
    title.setAttribute("aria-describedby", "emergency-title");
    const place = a.polling_place;
    const prev = a.previous_polling_place;
    const until = untilText(movedUntil(a), UI, a.as_of);
    const rows = [
      ["emergency_new", `${shownName(place)}, ${shownAddress(place)}`],
      ["emergency_why", a.changed_note || place.changed_note || ""],
      ["emergency_usual", prev ? `${shownName(prev)}, ${shownAddress(prev)}` : ""],
      ["emergency_until", until],
    ];
    for (const [key, value] of rows) {
      if (!value) continue;
      facts.appendChild(el("dt", T[key]));
      facts.appendChild(el("dd", value));
    }
  }
  function emergencyScript(a, lang) {
    if (!emergency(a)) return [];
    const S = STRINGS[lang];
    const place = a.polling_place;
    const prev = a.previous_polling_place;
    const values = {
      name: shownName(place), address: place.spoken_address || shownAddress(place),
      reason: sentence(a.changed_note || place.changed_note), previous: prev ? spokenPlace(prev, S) : "",
    };
    const parts = [fill(prev ? S.script_emergency : S.script_emergency_here, values)];
    const until = untilText(movedUntil(a), lang, a.as_of);
    if (until) parts.push(fill(S.script_until, { until }));
    return parts;
  }

  // The county's details of a building (lookup refresh --site-details): null is "not
  // known", said as such, never guessed. A server without details sends no "details".
  const ACCESS = [
    ["accessible_entrance", "access_entrance"], ["accessible_parking", "access_parking"],
    ["curbside", "access_curbside"], ["transit", "access_transit"], ["notes", "access_notes"],
  ];
  const knowsAccess = (d) => Boolean(d) && (ACCESS.some(([k]) => d[k]) || Boolean(d.phone || d.photo_url));
  function accessBlock(p) {
    if (!("details" in p)) return null;
    const d = p.details;
    if (!knowsAccess(d)) return el("div", T.access_not_known, "access muted");
    const box = el("div", undefined, "access");
    box.appendChild(el("span", T.access_title, "access-title"));
    const dl = el("dl");
    const row = (label, value) => {
      const pair = el("div");
      pair.appendChild(el("dt", `${label}:`));
      const dd = el("dd");
      if (value === null || value === undefined || value === "") {
        dd.textContent = T.not_known;
        dd.className = "muted";
      } else {
        dd.append(value);
      }
      pair.appendChild(dd);
      dl.appendChild(pair);
      return dd;
    };
    for (const [k, key] of ACCESS) {
      const dd = row(T[key], d[k]);
      if (d[k] && d.text_lang && d.text_lang[k]) dd.lang = d.text_lang[k];
    }
    let phone = null;
    if (d.phone) {
      phone = el("a", d.phone);
      phone.href = `tel:${d.phone.replace(/[^\d+]/g, "")}`;
    }
    row(T.access_phone, phone);
    const photo = d.photo_url && safeLink(d.photo_url);
    if (photo) {
      const a = el("a", `${T.access_photo} (${photo.host})`);
      a.href = photo.href;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      box.append(dl, a);
      return box;
    }
    box.appendChild(dl);
    return box;
  }
  // What the script says of a place's access, in the script's language: what is known,
  // then what is not.
  function accessScript(p, lang) {
    const S = STRINGS[lang];
    const place = spokenPlace(p, S);
    const d = p.details;
    if (!knowsAccess(d)) return [fill(S.script_access_none, { place })];
    const said = [];
    const unknown = [];
    const lower = (text) => text.charAt(0).toLocaleLowerCase(locale(lang)) + text.slice(1);
    for (const [k, key] of [...ACCESS, ["phone", "access_phone"]]) {
      if (d[k]) said.push(fill(S.script_access_item, { label: S[key], text: d[k] }));
      else unknown.push(lower(S[key]));
    }
    const parts = [fill(S.script_access, { place }), ...said];
    if (unknown.length) parts.push(fill(S.script_access_unknown, { items: listOf(unknown, lang) }));
    return parts;
  }
  function toggleAccess() {
    if (!lastAnswer) return;
    accessOn = !accessOn;
    $("read-access").setAttribute("aria-pressed", String(accessOn));
    renderScript();
    $("status").textContent = accessOn ? T.access_added : T.access_removed;
  }
  $("read-access").addEventListener("click", toggleAccess);

  // Texts of the answer's own language (the staff's reasons, the county's details) that
  // the script would say: in another script language the answer is asked for in it, once.
  function ownTexts(a) {
    const place = a.polling_place;
    return emergency(a) || Boolean(place && place.closed_reason)
      || a.early_voting_sites.some((s) => s.closed_reason)
      || (accessOn && [place, ...a.early_voting_sites].some((p) => p && knowsAccess(p.details)));
  }
  function answerIn(lang) {
    const a = lastAnswer;
    if (inLang[lang] && !(inLang[lang] instanceof Promise)) return inLang[lang];
    if (!ownTexts(a) || !lastLookup) return a;
    if (!inLang[lang]) {
      // repeat=lang: the same caller's answer asked again, not another caller's look-up.
      const query = { ...lastLookup, lang, channel: "rep", include: "schedule", repeat: "lang" };
      inLang[lang] = api("/api/v1/lookup", query).then(({ status, body }) => {
        if (lastAnswer !== a) return;
        if (status !== 200) { delete inLang[lang]; return; }
        inLang[lang] = body;
        if (scriptLang === lang) renderScript();
      }, () => { if (lastAnswer === a) delete inLang[lang]; });
    }
    return a;  // until it arrives: the answer on screen
  }

  // The script of the answer, then the help answers the representative added to it, all
  // in the script's language (an answer whose language is not loaded yet follows).
  function renderScript() {
    if (!lastAnswer) return;
    const lang = scriptLang;
    const extra = added.map((id) => (loaded[lang] || []).find((t) => t.id === id)).filter(Boolean);
    $("script").textContent = [script(answerIn(lang), lang), ...extra.map((t) => t.body)].join(" ");
    $("script").lang = lang;
  }
  function setScriptLang(lang) {
    scriptLang = lang;
    document.querySelectorAll(".script-lang").forEach((b) => {
      b.setAttribute("aria-pressed", String(b.dataset.lang === lang));
    });
    renderScript();
    renderTopics();
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

  // ---- the Board's answers to what callers ask (/api/v1/help), in the script language ---
  // Each language is fetched once; the topics the answer on screen lists (help_topics:
  // what applies at its moment) come first, marked in words. Searching matches every
  // word typed in the title or body, accents and case aside; topics whose title has them
  // all come before those that only mention them.
  const helpRequests = {};  // lang -> Promise of its topics
  const loaded = {};  // lang -> its topics, once they arrived
  let added = [];  // topic ids added to this call's script, in order
  let opened = null;  // the topic id shown
  const search = $("topic-search");
  const fold = (text) => text.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
  function helpTopics(lang) {
    if (!helpRequests[lang]) {
      helpRequests[lang] = fetch(`/api/v1/help?lang=${encodeURIComponent(lang)}`)
        .then((r) => (r.ok ? r.json() : Promise.reject(new Error(String(r.status)))))
        .then((body) => { loaded[lang] = body.topics; return body.topics; })
        .catch((err) => { delete helpRequests[lang]; throw err; });  // asked again next time
    }
    return helpRequests[lang];
  }
  const applying = () => (lastAnswer && lastAnswer.help_topics) || [];
  function matching(topics) {
    const words = fold(search.value).split(/\s+/).filter(Boolean);
    const has = (text) => words.every((w) => fold(text).includes(w));
    const first = applying();
    const rank = (t) => [has(t.title) ? 0 : 1, first.includes(t.id) ? first.indexOf(t.id) : first.length];
    return topics
      .filter((t) => has(`${t.title} ${t.body}`))
      .map((t, i) => ({ t, i, r: rank(t) }))
      .sort((x, y) => x.r[0] - y.r[0] || x.r[1] - y.r[1] || x.i - y.i)
      .map(({ t }) => t);
  }
  async function renderTopics() {
    const lang = scriptLang;
    const list = $("topic-list");
    $("topics-lang").textContent = fill(T.topics_lang, { language: STRINGS[lang].language_name });
    let topics;
    try {
      topics = await helpTopics(lang);
    } catch {
      if (lang === scriptLang) { clear(list); list.appendChild(el("li", T.topics_error, "muted")); }
      return;
    }
    if (lang !== scriptLang) return;  // the language changed meanwhile
    clear(list);
    const first = applying();
    const shown = matching(topics);
    for (const t of shown) {
      const b = el("button");
      b.type = "button";
      b.dataset.topic = t.id;
      b.appendChild(el("span", t.title));
      b.lastChild.lang = lang;
      if (first.includes(t.id)) b.appendChild(el("span", T.applies_now, "applies"));
      b.setAttribute("aria-current", String(t.id === opened));
      b.addEventListener("click", () => openTopic(t.id));
      const li = el("li");
      li.appendChild(b);
      list.appendChild(li);
    }
    if (!shown.length) list.appendChild(el("li", T.topics_none, "muted"));
    if (opened) showTopic(topics.find((t) => t.id === opened), lang);
    if (added.length) renderScript();
  }
  async function openTopic(id) {
    opened = id;
    await renderTopics();
  }
  const safeLink = (url) => {
    try {
      const u = new URL(url);
      return ["https:", "http:"].includes(u.protocol) ? u : null;
    } catch {
      return null;
    }
  };
  const longDay = (iso, lang) => {
    const [y, m, d] = iso.split("-").map(Number);
    return new Intl.DateTimeFormat(locale(lang), {
      year: "numeric", month: "long", day: "numeric", timeZone: "UTC",
    }).format(new Date(Date.UTC(y, m - 1, d)));
  };
  // The opened answer: its text in the script language (read aloud as written), where it
  // comes from and when the Board last reviewed it, and "Add to script".
  function showTopic(t, lang) {
    const box = $("topic-answer");
    clear(box);
    if (!t) { box.hidden = true; return; }
    const title = el("h3", t.title);
    const body = el("p", t.body, "topic-body");
    title.lang = body.lang = lang;
    box.append(title, body);
    const meta = el("p", undefined, "muted");
    const link = safeLink(t.source_url);
    if (link) {
      const a = el("a", `${T.topic_source} (${link.host})`);
      a.href = link.href;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      meta.append(a, " · ");
    }
    meta.append(fill(T.reviewed, { date: longDay(t.reviewed, UI) }));
    box.appendChild(meta);
    const add = el("button", added.includes(t.id) ? T.in_script : T.add_to_script);
    add.type = "button";
    add.id = "add-to-script";
    add.disabled = !lastAnswer || added.includes(t.id);
    if (!lastAnswer) add.setAttribute("aria-describedby", "add-help");
    add.addEventListener("click", () => {
      if (!lastAnswer || added.includes(t.id)) return;
      added.push(t.id);
      renderScript();
      showTopic(t, lang);
      $("status").textContent = T.script_added;
      $("add-to-script").focus();
    });
    box.appendChild(add);
    if (!lastAnswer) {
      const help = el("p", T.add_needs_answer, "help");
      help.id = "add-help";
      box.appendChild(help);
    }
    box.hidden = false;
  }
  search.addEventListener("input", () => renderTopics());
  search.addEventListener("keydown", (ev) => {
    const first = $("topic-list").querySelector("button");
    if (ev.key === "Enter") {
      ev.preventDefault();
      if (first) first.click();
    } else if (ev.key === "ArrowDown" && first) {
      ev.preventDefault();
      first.focus();
    } else if (ev.key === "Escape") {
      search.value = "";
      renderTopics();
    }
  });
  $("topic-list").addEventListener("keydown", (ev) => {
    if (ev.key !== "ArrowDown" && ev.key !== "ArrowUp") return;
    const buttons = Array.from($("topic-list").querySelectorAll("button"));
    const i = buttons.indexOf(document.activeElement);
    if (i < 0) return;
    ev.preventDefault();
    if (ev.key === "ArrowDown") buttons[Math.min(i + 1, buttons.length - 1)].focus();
    else if (i === 0) search.focus();
    else buttons[i - 1].focus();
  });

  // ---- what the caller asked: marks, sent when the next call starts ---------------------
  // Fixed topic ids only (never a word the caller said), counted by the service. Nothing
  // is marked for the representative: a look-up does not mean "where to vote" was asked.
  const marks = () => Array.from(document.querySelectorAll("input[name=mark]"));
  const markLabel = (box) => box.closest("label").textContent.replace(/^\s*\d\s*/, "").trim();
  function toggleMark(i) {
    const box = marks()[i];
    if (!box) return;
    box.checked = !box.checked;
    $("status").textContent = fill(box.checked ? T.mark_on : T.mark_off, { topic: markLabel(box) });
  }
  // Sends the marks (if any) and clears them; on the way out of the page, as a beacon.
  function sendMarks(beacon) {
    const topics = marks().filter((b) => b.checked).map((b) => b.value);
    if (!topics.length) return;
    const body = { topics, channel: "rep", lang: scriptLang };
    marks().forEach((b) => { b.checked = false; });
    if (beacon) {
      navigator.sendBeacon("/api/v1/questions", new Blob([JSON.stringify(body)], { type: "application/json" }));
      return;
    }
    const failed = () => { $("status").textContent = T.marks_failed; };
    post("/api/v1/questions", body, { keepalive: true })
      .then((r) => { if (r.status !== 204) failed(); }, failed);
  }
  window.addEventListener("pagehide", () => sendMarks(true));

  // ---- "This looks wrong": a report to the data staff ---------------------------------
  const reportable = () => Boolean(lastAnswer) || lastError === "address_not_found";
  let reportOpener = null;
  function openReport() {
    if (!reportable() || !lastQuery) return;
    reportOpener = document.activeElement;
    const form = $("report-form");
    form.reset();
    form.reason.value = lastAnswer ? "wrong_place" : "address_missing";
    form.hidden = false;
    $("report-result").textContent = "";
    $("report").hidden = false;
    form.querySelector("input[name=reason]:checked").focus();
  }
  function closeReport() {
    $("report").hidden = true;
    if (reportOpener && reportOpener.isConnected) reportOpener.focus();
  }
  // What the data staff need to check it again: the address as looked up, or the point
  // when the answer was for coordinates.
  function reportWhere() {
    const m = lastAnswer && lastAnswer.match;
    if (m && !m.address) return { lat: m.lat, lon: m.lon };
    return { address: lastQuery.address };
  }
  $("report-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const form = $("report-form");
    const result = $("report-result");
    const body = {
      reason: form.reason.value, ...reportWhere(), channel: "rep", lang: scriptLang,
    };
    // The version the answer came from; a not-found address has none (the service notes
    // the version it re-checks against).
    if (lastAnswer) body.data_version = lastAnswer.data_version;
    const note = $("report-note").value.trim();
    if (note) body.note = note;
    $("report-send").disabled = true;
    try {
      const r = await post("/api/v1/reports", body);
      const answer = await r.json();
      if (r.status === 202) {
        form.hidden = true;
        result.textContent = fill(T.report_sent, { id: answer.id });
        $("report-title").focus();
      } else {
        result.textContent = answer.error ? answer.error.message : T.report_network;
      }
    } catch {
      result.textContent = T.report_network;
    } finally {
      $("report-send").disabled = false;
    }
  });
  $("report-cancel").addEventListener("click", closeReport);
  $("report").addEventListener("keydown", (ev) => {
    if (ev.key === "Escape") { ev.preventDefault(); closeReport(); }
  });
  for (const id of ["report-answer", "report-error"]) $(id).addEventListener("click", openReport);

  // ---- keys that work from anywhere on the page ---------------------------------------
  document.addEventListener("keydown", (ev) => {
    if (ev.ctrlKey || ev.metaKey) return;
    // Alt+digit by the key's place (a Mac's Alt changes the character); a bare digit as
    // typed, outside text fields, and not while the digits pick a candidate.
    const alt = ev.altKey && /^(?:Digit|Numpad)([1-8])$/.exec(ev.code);
    if (alt || (!ev.altKey && /^[1-8]$/.test(ev.key) && !typingIn(ev.target) && $("candidates").hidden)) {
      ev.preventDefault();
      toggleMark(Number(alt ? alt[1] : ev.key) - 1);
    } else if (ev.key === "/" && !ev.altKey && !typingIn(ev.target)) {
      ev.preventDefault();
      search.focus();
      search.select();
    } else if (ev.altKey && ev.code === "KeyW") {
      ev.preventDefault();
      openReport();
    } else if (ev.altKey && ev.code === "KeyA") {
      ev.preventDefault();
      toggleAccess();
    }
  });

  // ---- a new call clears everything ---------------------------------------------------
  function newCall() {
    sendMarks(false);  // in the language the caller was answered in, before it resets
    lastAnswer = null;
    lastQuery = lastError = lastLookup = null;
    inLang = {};
    accessOn = false;
    $("read-access").setAttribute("aria-pressed", "false");
    $("emergency").hidden = true;
    added = [];
    opened = null;
    search.value = "";
    $("topic-answer").hidden = true;
    input.value = "";
    clearTimeout(typing);
    listFor = dismissed = accepted = null;
    closeList();
    setScriptLang(UI);  // the next caller hears the console's language until asked otherwise
    for (const id of ["answer", "candidates", "error", "report"]) $(id).hidden = true;
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
  renderTopics();
  input.focus();
})();
