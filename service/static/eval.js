/* Vraagbaak evaluation workbench (/eval). Served as /static/eval.js; no inline script, no
 * external resources. All text from the server is inserted with textContent, never as HTML. */
(function () {
  "use strict";

  var API = "/api/eval";
  var KEY_STORE = "vraagbaak-eval-key";
  var LANG_STORE = "vraagbaak-eval-language";
  var state = { sets: [], set: null, run: null, editing: null };

  var TEXT = {
    nl: {
      subtitle: "Evaluatie: goudsets en uitslagen",
      intro: "Typ een vraag, zoek de passages en klik op de zin die de vraag beantwoordt. Zo maakt u een goudset; daarna ziet u hoe goed Vraagbaak die vragen beantwoordt.",
      sets: "Goudsets", choose: "Kies een set", new_set: "Nieuwe set", make_set: "Set maken",
      export: "Exporteren (JSONL)", import: "Importeren (JSONL)", add_item: "Vraag toevoegen",
      edit_item: "Vraag wijzigen", question: "Vraag", find: "Passages zoeken",
      unanswerable: "Niet te beantwoorden uit de documenten", cancel: "Annuleren",
      pick_hint: "Klik op de zin die het antwoord geeft, of selecteer een paar woorden en klik op \"Selectie opslaan\".",
      items: "Vragen in deze set", results: "Uitslag", run: "Set evalueren",
      failures_only: "Alleen wat misging", compare: "Twee uitslagen vergelijken",
      compare_button: "Vergelijken", pick_set: "— kies een set —", no_sets: "— nog geen sets —",
      counts: function (c) { return c.items + " vragen: " + c.answerable + " met antwoord, " + c.unanswerable + " zonder"; },
      no_items: "Nog geen vragen — typ hierboven een vraag.", saved: "Opgeslagen als goudvraag.",
      save_selection: "Selectie opslaan", select_first: "Selecteer eerst woorden in deze passage.",
      type_question: "Typ eerst de vraag.", no_passages: "Niets gevonden.",
      not_answerable: "niet te beantwoorden", edit: "Wijzigen", remove: "Verwijderen",
      confirm_remove: "Deze vraag verwijderen?", removed: "Verwijderd.", running: "Bezig met evalueren…",
      no_runs: "— nog geen uitslagen —", run_label: function (r) { return "Uitslag " + r.id + " · " + r.set_name + " · " + new Date(r.created_at * 1000).toLocaleString("nl-NL"); },
      met: "gehaald", not_met: "niet gehaald", no_value: "geen waarde", threshold: "drempel", at_most: "hoogstens", no_threshold: "geen drempel",
      expected: "Verwacht", answer: "Antwoord", cited: "Geciteerd", refused: "(geweigerd: staat niet in de documenten)",
      all_well: "Alles ging goed.", failed: "mis", ok: "goed", created: function (n) { return "Set '" + n + "' gemaakt."; },
      imported: function (n) { return n + " vragen geïmporteerd."; },
      same: "Beide uitslagen hebben dezelfde vragen.", differ: "Let op: de uitslagen hebben niet dezelfde vragen; alleen de gedeelde vragen zijn vergeleken.",
      no_change: "Geen verandering groter dan de ruis tussen twee uitslagen.", better: "beter", worse: "slechter",
      why: { citation_miss: "Verkeerde bron geciteerd", wrong_refusal: "Onterecht geweigerd", answered_unanswerable: "Beantwoord terwijl het antwoord er niet in staat", search_miss: "Passage niet bij de eerste tien zoekresultaten", bad_quote: "Citaat is geen bewering" }
    },
    en: {
      subtitle: "Evaluation: gold sets and results",
      intro: "Type a question, find the passages and click the sentence that answers it. That makes a gold set; then see how well Vraagbaak answers those questions.",
      sets: "Gold sets", choose: "Choose a set", new_set: "New set", make_set: "Create set",
      export: "Export (JSONL)", import: "Import (JSONL)", add_item: "Add a question",
      edit_item: "Change the question", question: "Question", find: "Find passages",
      unanswerable: "Not answerable from the documents", cancel: "Cancel",
      pick_hint: "Click the sentence that gives the answer, or select a few words and click \"Save selection\".",
      items: "Questions in this set", results: "Results", run: "Evaluate the set",
      failures_only: "Only what went wrong", compare: "Compare two results",
      compare_button: "Compare", pick_set: "— choose a set —", no_sets: "— no sets yet —",
      counts: function (c) { return c.items + " questions: " + c.answerable + " with an answer, " + c.unanswerable + " without"; },
      no_items: "No questions yet — type one above.", saved: "Saved as a gold question.",
      save_selection: "Save selection", select_first: "Select words in this passage first.",
      type_question: "Type the question first.", no_passages: "Nothing found.",
      not_answerable: "not answerable", edit: "Edit", remove: "Delete",
      confirm_remove: "Delete this question?", removed: "Deleted.", running: "Evaluating…",
      no_runs: "— no results yet —", run_label: function (r) { return "Result " + r.id + " · " + r.set_name + " · " + new Date(r.created_at * 1000).toLocaleString("en-GB"); },
      met: "met", not_met: "not met", no_value: "no value", threshold: "threshold", at_most: "at most", no_threshold: "no threshold",
      expected: "Expected", answer: "Answer", cited: "Cited", refused: "(refused: not in the documents)",
      all_well: "Everything went well.", failed: "wrong", ok: "right", created: function (n) { return "Set '" + n + "' created."; },
      imported: function (n) { return n + " questions imported."; },
      same: "Both results have the same questions.", differ: "Note: the results do not have the same questions; only the shared ones were compared.",
      no_change: "No change larger than the noise between two results.", better: "better", worse: "worse",
      why: { citation_miss: "Wrong source cited", wrong_refusal: "Refused wrongly", answered_unanswerable: "Answered although the documents don't say", search_miss: "Passage not in the top ten search results", bad_quote: "Quote is no statement" }
    }
  };
  // English names and one plain sentence for the metrics the report explains in Dutch.
  var METRICS_EN = {
    recall_at_5: ["Recall@5", "For how many answerable questions the passage with the answer is among the first five search results."],
    recall_at_5_en: ["Recall@5 English", "The same, for the English questions only."],
    recall_at_5_nl: ["Recall@5 Dutch", "The same, for the Dutch questions only."],
    recall_at_1: ["Recall@1", "For how many answerable questions the passage with the answer comes first."],
    recall_at_10: ["Recall@10", "For how many answerable questions that passage is among the first ten."],
    mrr_at_10: ["MRR@10", "How high the passage with the answer stands on average: 1 is always first, 0.5 second on average."],
    ndcg_at_10: ["nDCG@10", "How well the first ten search results are ordered: 1 is the best order."],
    citation_hit: ["Right source cited", "For how many answerable questions the answer cites a passage holding the expected answer."],
    fact_coverage: ["Key facts in the answer", "Which share of the key facts (names, numbers, terms) a good answer needs is in the answer."],
    refusal_rate_unanswerable: ["Rightly refused", "How often the system says the documents don't hold the answer, for questions they really don't answer."],
    false_refusal_rate: ["Wrongly refused", "How often the system says the answer is not there while it is. Lower is better."],
    bad_quotes: ["Quotes that are no statement", "How many quoted sentences are a question, heading, table row, reference or fragment. The aim is 0."],
    answer_chars_p50: ["Answer length", "How many characters a typical (median) answer has; shorter reads faster."],
    quotes_per_answer_p50: ["Quotes per answer", "How many quotes a typical (median) answer holds."]
  };
  var lang = "nl";
  try { lang = localStorage.getItem(LANG_STORE) === "en" ? "en" : "nl"; } catch (e) { /* ignore */ }

  function t(key) { return TEXT[lang][key]; }
  function $(id) { return document.getElementById(id); }
  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (className) { node.className = className; }
    return node;
  }
  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }
  function show(message, isError) {
    var box = $("status");
    box.textContent = message;
    box.className = "vb-status" + (isError ? " vb-error" : "");
    box.hidden = false;
  }
  function failed(error) { show(error.message || String(error), true); }

  function storedKey() { try { return sessionStorage.getItem(KEY_STORE) || ""; } catch (e) { return ""; } }

  // With `vraagbaak serve --require-keys` the evaluator enters a key of scope eval (or admin)
  // once per browser session; it is kept in sessionStorage only.
  function api(method, url, body, retried) {
    var options = { method: method, headers: { "Accept": "application/json" } };
    var key = storedKey();
    if (key) { options.headers["Authorization"] = "Bearer " + key; }
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(url, options).then(function (response) {
      if (response.status === 401 && !retried) {
        if (storedKey() && storedKey() !== key) { return api(method, url, body, true); }
        var entered = window.prompt("API key (scope eval), from `vraagbaak keys create --scope eval`:");
        if (entered) {
          try { sessionStorage.setItem(KEY_STORE, entered.trim()); } catch (e) { /* ignore */ }
          return api(method, url, body, true);
        }
      }
      if (response.status === 204) { return null; }
      var type = response.headers.get("Content-Type") || "";
      if (response.ok && type.indexOf("application/json") < 0) { return response.text(); }
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          var detail = data && data.detail;
          throw new Error(typeof detail === "string" ? detail : "Request failed (" + response.status + ")");
        }
        return data;
      });
    });
  }

  function translate() {
    document.documentElement.lang = lang;
    Array.prototype.forEach.call(document.querySelectorAll("[data-t]"), function (node) {
      var text = t(node.getAttribute("data-t"));
      if (typeof text === "string") { node.textContent = text; }
    });
    $("language").textContent = lang === "nl" ? "English" : "Nederlands";
    $("item-title").textContent = state.editing ? t("edit_item") : t("add_item");
  }

  /* --- sets -------------------------------------------------------------------------- */

  // The page asks the server only for what changed: the service limits requests per minute.
  function loadSets(select) {
    return api("GET", API + "/sets").then(function (data) {
      state.sets = data.sets;
      renderSetPicker(select);
    });
  }

  function renderSetPicker(select) {
    var picker = $("set-select");
    clear(picker);
    var first = el("option", state.sets.length ? t("pick_set") : t("no_sets"));
    first.value = "";
    picker.appendChild(first);
    state.sets.forEach(function (s) {
      var option = el("option", s.name + " (" + s.counts.items + ")");
      option.value = String(s.id);
      picker.appendChild(option);
    });
    var wanted = select || (state.set && state.set.id);
    picker.value = wanted ? String(wanted) : "";
  }

  function showSet(data) {
    state.set = data;
    $("set-counts").textContent = t("counts")(data.counts);
    $("export").href = API + "/sets/" + data.id + "/export";
    state.sets.forEach(function (s) { if (s.id === data.id) { s.counts = data.counts; } });
    renderSetPicker();
    renderItems();
  }

  function openSet(id) {
    if (!id) {
      state.set = null;
      $("set-view").hidden = true; $("run-view").hidden = true; $("set-tools").hidden = true;
      return Promise.resolve();
    }
    return api("GET", API + "/sets/" + id).then(function (data) {
      $("set-view").hidden = false; $("run-view").hidden = false; $("set-tools").hidden = false;
      showSet(data);
      return loadRuns();
    });
  }

  function renderItems() {
    var list = $("items");
    clear(list);
    if (!state.set.items.length) { list.appendChild(el("li", t("no_items"), "vb-muted")); return; }
    state.set.items.forEach(function (item) {
      var row = el("li");
      row.dataset.itemId = item.id;
      row.appendChild(el("strong", item.question));
      if (item.answerable) {
        row.appendChild(el("blockquote", item.quotes[0] || "", "vb-quote"));
        row.appendChild(el("div", item.doc + (item.facts.length ? " · " + item.facts.join(", ") : ""), "vb-source"));
      } else {
        row.appendChild(el("div", " " + t("not_answerable"), "vb-badge"));
      }
      var tools = el("div", null, "vb-row");
      var edit = el("button", t("edit"));
      edit.type = "button";
      edit.addEventListener("click", function () { startEdit(item); });
      var remove = el("button", t("remove"), "vb-danger");
      remove.type = "button";
      remove.addEventListener("click", function () {
        if (!window.confirm(t("confirm_remove"))) { return; }
        api("DELETE", API + "/sets/" + state.set.id + "/items/" + encodeURIComponent(item.id)).then(function () {
          show(t("removed"));
          return refresh();
        }).catch(failed);
      });
      tools.appendChild(edit);
      tools.appendChild(remove);
      row.appendChild(tools);
      list.appendChild(row);
    });
  }

  function refresh() {
    return api("GET", API + "/sets/" + state.set.id).then(showSet);
  }

  function startEdit(item) {
    state.editing = item.id;
    $("question").value = item.question;
    $("item-language").value = item.language;
    $("cancel-edit").hidden = false;
    translate();
    $("question").focus();
  }

  function stopEdit() {
    state.editing = null;
    $("cancel-edit").hidden = true;
    $("question").value = "";
    clear($("passages"));
    translate();
  }

  function saveItem(body) {
    var url = API + "/sets/" + state.set.id + "/items";
    var request = state.editing
      ? api("PUT", url + "/" + encodeURIComponent(state.editing), body)
      : api("POST", url, body);
    return request.then(function () {
      show(t("saved"));
      stopEdit();
      return refresh();
    });
  }

  function itemBody(extra) {
    var question = $("question").value.trim();
    if (!question) { throw new Error(t("type_question")); }
    var body = { question: question, language: $("item-language").value };
    Object.keys(extra).forEach(function (k) { body[k] = extra[k]; });
    return body;
  }

  /* --- passages ---------------------------------------------------------------------- */

  function findPassages() {
    var question = $("question").value.trim();
    if (!question) { show(t("type_question"), true); return Promise.resolve(); }
    return api("GET", API + "/search?k=5&q=" + encodeURIComponent(question)).then(function (data) {
      var list = $("passages");
      clear(list);
      if (!data.results.length) { list.appendChild(el("li", t("no_passages"), "vb-muted")); }
      data.results.forEach(function (hit) {
        var item = el("li", null, "vb-passage");
        var where = [hit.title || hit.source];
        if (hit.section) { where.push(hit.section); }
        if (hit.page) { where.push("p. " + hit.page); }
        item.appendChild(el("div", where.join(" — "), "vb-source"));
        var text = el("p", null, "vb-passage-text");
        hit.sentences.forEach(function (sentence) {
          // A span, not a button: its words can also be selected with the mouse.
          var pick = el("span", sentence.text, "vb-pick");
          pick.setAttribute("role", "button");
          pick.tabIndex = 0;
          function choose() {
            try {
              saveItem(itemBody({ answerable: true, chunk_id: hit.chunk_id, quote: sentence.text })).catch(failed);
            } catch (error) { failed(error); }
          }
          pick.addEventListener("click", function () {
            if (window.getSelection && String(window.getSelection()).trim().length > 2) { return; }
            choose();
          });
          pick.addEventListener("keydown", function (event) { if (event.key === "Enter") { choose(); } });
          text.appendChild(pick);
          text.appendChild(document.createTextNode(" "));
        });
        item.appendChild(text);
        var keep = el("button", t("save_selection"));
        keep.setAttribute("data-t", "save_selection");
        keep.type = "button";
        keep.addEventListener("click", function () {
          var selection = window.getSelection ? window.getSelection() : null;
          var chosen = selection && selection.rangeCount && text.contains(selection.anchorNode)
            ? String(selection).replace(/\s+/g, " ").trim() : "";
          if (!chosen) { show(t("select_first"), true); return; }
          chosen = wholeWords(text.textContent.replace(/\s+/g, " "), chosen);
          try {
            saveItem(itemBody({ answerable: true, chunk_id: hit.chunk_id, quote: chosen })).catch(failed);
          } catch (error) { failed(error); }
        });
        item.appendChild(keep);
        list.appendChild(item);
      });
    });
  }

  // A selection that cuts a word ("een JIM b") is widened to whole words.
  function wholeWords(full, chosen) {
    var start = full.indexOf(chosen);
    if (start < 0) { return chosen; }
    var end = start + chosen.length;
    var inWord = /[^\s.,;:!?()"'‘’“”]/;
    while (start > 0 && inWord.test(full.charAt(start - 1)) && inWord.test(full.charAt(start))) { start--; }
    while (end < full.length && inWord.test(full.charAt(end)) && inWord.test(full.charAt(end - 1))) { end++; }
    return full.slice(start, end);
  }

  /* --- runs -------------------------------------------------------------------------- */

  function loadRuns(select) {
    return api("GET", API + "/runs").then(function (data) {
      var runs = data.runs.filter(function (r) { return state.set && r.set === state.set.id; });
      ["run-select", "compare-a", "compare-b"].forEach(function (id, n) {
        var picker = $(id);
        clear(picker);
        if (!runs.length) { var none = el("option", t("no_runs")); none.value = ""; picker.appendChild(none); }
        runs.forEach(function (r) {
          var option = el("option", t("run_label")(r));
          option.value = String(r.id);
          picker.appendChild(option);
        });
        if (id === "compare-a" && runs.length > 1) { picker.value = String(runs[1].id); }
        if (id === "run-select" && select) { picker.value = String(select); }
        return n;
      });
      var chosen = select || (runs[0] && runs[0].id);
      if (chosen && (!state.run || state.run.id !== chosen)) { return openRun(chosen); }
      if (!chosen) { state.run = null; renderRun(); }
      return null;
    });
  }

  function openRun(id) {
    return api("GET", API + "/runs/" + id).then(function (run) { state.run = run; renderRun(); });
  }

  function fmt(value) {
    if (value === null || value === undefined) { return "—"; }
    if (Math.abs(value) > 1 && Math.abs(value - Math.round(value)) < 1e-9) { return String(Math.round(value)); }
    var shown = value.toFixed(2);
    return lang === "nl" ? shown.replace(".", ",") : shown;
  }

  function verdictText(v) {
    if (lang === "nl") { return v.text; }
    var name = (METRICS_EN[v.metric] || [v.metric])[0];
    if (v.threshold === null || v.threshold === undefined) { return name + " " + fmt(v.value) + " — " + t("no_threshold"); }
    var word = v.pass === true ? t("met") : v.pass === false ? t("not_met") : t("no_value");
    return name + " " + fmt(v.value) + " — " + (v.kind === "max" ? t("at_most") : t("threshold")) + " " + fmt(v.threshold) + " — " + word;
  }

  function reasons(q) {
    var why = [];
    var answer = q.answer;
    if (q.answerable && q.first_hit_rank === null) { why.push("search_miss"); }
    if (answer) {
      if (q.answerable && answer.refused) { why.push("wrong_refusal"); }
      else if (q.answerable && !answer.citation_hit) { why.push("citation_miss"); }
      else if (!q.answerable && !answer.refused) { why.push("answered_unanswerable"); }
      if (answer.shape && answer.shape.bad && answer.shape.bad.length) { why.push("bad_quote"); }
    }
    return why;
  }

  function renderRun() {
    var verdicts = $("verdicts");
    var questions = $("questions");
    clear(verdicts);
    clear(questions);
    var run = state.run;
    $("run-note").textContent = run ? run.note || "" : "";
    if (!run) { return; }
    var rows = run.verdicts.slice().sort(function (a, b) { return (a.pass === false ? 0 : 1) - (b.pass === false ? 0 : 1); });
    rows.forEach(function (v) {
      var item = el("li", null, v.pass === true ? "vb-pass" : v.pass === false ? "vb-fail" : "");
      item.appendChild(el("strong", verdictText(v)));
      var explained = lang === "en" && METRICS_EN[v.metric] ? METRICS_EN[v.metric][1] : v.explanation;
      item.appendChild(el("span", explained, "vb-muted"));
      verdicts.appendChild(item);
    });
    var only = $("failures-only").checked;
    var shown = run.questions.filter(function (q) { return !only || q.failed; });
    if (!shown.length) { questions.appendChild(el("li", t("all_well"), "vb-muted")); }
    shown.forEach(function (q) {
      var item = el("li");
      item.dataset.failed = q.failed ? "true" : "false";
      var badges = el("div");
      badges.appendChild(el("span", q.failed ? t("failed") : t("ok"), "vb-badge" + (q.failed ? " vb-failbadge" : " vb-approved")));
      reasons(q).forEach(function (kind) { badges.appendChild(el("span", t("why")[kind], "vb-badge")); });
      item.appendChild(badges);
      item.appendChild(el("strong", q.question));
      if (q.quotes.length) { item.appendChild(el("div", t("expected") + ": " + q.quotes[0], "vb-quote")); }
      var answer = q.answer;
      if (answer) {
        item.appendChild(el("div", t("answer") + ": " + (answer.refused ? t("refused") : answer.answer), "vb-muted"));
        (answer.citations || []).slice(0, 2).forEach(function (c) {
          var cited = el("details", null, "vb-source");
          cited.appendChild(el("summary", t("cited") + " [" + c.n + "] " + (c.title || c.source) + ": " + c.quote));
          cited.appendChild(el("div", c.text || "", "vb-muted"));
          item.appendChild(cited);
        });
      }
      questions.appendChild(item);
    });
  }

  function compare() {
    var a = $("compare-a").value;
    var b = $("compare-b").value;
    if (!a || !b) { return Promise.resolve(); }
    return api("GET", API + "/compare?a=" + a + "&b=" + b).then(function (data) {
      var list = $("comparison");
      clear(list);
      list.appendChild(el("li", data.same_questions ? t("same") : t("differ"), "vb-muted"));
      if (!data.changed.length) { list.appendChild(el("li", t("no_change"))); }
      data.changed.forEach(function (c) {
        var name = lang === "en" && METRICS_EN[c.metric] ? METRICS_EN[c.metric][0] : c.label;
        list.appendChild(el("li", name + ": " + fmt(c.a) + " → " + fmt(c.b) + " (" + (c.improved ? t("better") : t("worse")) + ")",
          c.improved ? "vb-better" : "vb-worse"));
      });
    });
  }

  /* --- wiring ------------------------------------------------------------------------ */

  function downloadExport(event) {
    event.preventDefault();
    if (!state.set) { return; }
    api("GET", $("export").href).then(function (text) {
      var save = document.createElement("a");
      save.href = URL.createObjectURL(new Blob([text], { type: "application/x-ndjson" }));
      save.download = (state.set.name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "goldset") + ".jsonl";
      document.body.appendChild(save);
      save.click();
      document.body.removeChild(save);
      setTimeout(function () { URL.revokeObjectURL(save.href); }, 10000);
    }).catch(failed);
  }

  function init() {
    translate();
    $("language").addEventListener("click", function () {
      lang = lang === "nl" ? "en" : "nl";
      try { localStorage.setItem(LANG_STORE, lang); } catch (e) { /* ignore */ }
      translate();
      renderSetPicker();
      if (state.set) { showSet(state.set); renderRun(); loadRuns(state.run && state.run.id).catch(failed); }
    });
    $("set-select").addEventListener("change", function (event) {
      stopEdit();
      state.run = null;
      openSet(event.target.value).catch(failed);
    });
    $("create-set").addEventListener("submit", function (event) {
      event.preventDefault();
      api("POST", API + "/sets", { name: $("set-name").value.trim() }).then(function (created) {
        $("create-set").reset();
        show(t("created")(created.name));
        state.sets.push(created);
        renderSetPicker(created.id);
        return openSet(created.id);
      }).catch(failed);
    });
    $("ask-form").addEventListener("submit", function (event) {
      event.preventDefault();
      findPassages().catch(failed);
    });
    $("unanswerable").addEventListener("click", function () {
      try { saveItem(itemBody({ answerable: false })).catch(failed); } catch (error) { failed(error); }
    });
    $("cancel-edit").addEventListener("click", stopEdit);
    $("export").addEventListener("click", downloadExport);
    $("import-file").addEventListener("change", function () {
      var file = $("import-file").files && $("import-file").files[0];
      if (!file || !state.set) { return; }
      file.text().then(function (text) {
        return api("POST", API + "/sets/" + state.set.id + "/import", { content: text });
      }).then(function (result) {
        $("import-file").value = "";
        show(t("imported")(result.added));
        return refresh();
      }).catch(function (error) { $("import-file").value = ""; failed(error); });
    });
    $("run").addEventListener("click", function () {
      if (!state.set) { return; }
      var button = $("run");
      button.disabled = true;
      show(t("running"));
      api("POST", API + "/runs", { set: state.set.id }).then(function (run) {
        button.disabled = false;
        $("status").hidden = true;
        state.run = run;
        renderRun();
        return loadRuns(run.id);
      }).catch(function (error) { button.disabled = false; failed(error); });
    });
    $("run-select").addEventListener("change", function (event) {
      if (event.target.value) { openRun(Number(event.target.value)).catch(failed); }
    });
    $("failures-only").addEventListener("change", renderRun);
    $("compare").addEventListener("click", function () { compare().catch(failed); });
    loadSets().catch(failed);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
