/* Vraagbaak FAQ editor (/faq). Served as /static/faq.js; no inline script, no external
 * resources. All text from the server is inserted with textContent, never as HTML. */
(function () {
  "use strict";

  var API = "/api/faq";
  var EXPORT_FORMATS = ["md", "csv", "json", "evalset"];
  var state = { set: null, entry: null };

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

  function setUrl(name) { return API + "/sets/" + encodeURIComponent(name); }

  // With `vraagbaak serve --require-keys` the trainer enters a key of scope faq once per
  // browser session; it is kept in sessionStorage only.
  var KEY_STORE = "vraagbaak-faq-key";

  function storedKey() {
    try { return sessionStorage.getItem(KEY_STORE) || ""; } catch (e) { return ""; }
  }

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
        // Requests sent together all fail without a key: the first one asks, the rest reuse.
        if (storedKey() && storedKey() !== key) { return api(method, url, body, true); }
        var entered = window.prompt("API key (scope faq), from `vraagbaak keys create --scope faq`:");
        if (entered) {
          try { sessionStorage.setItem(KEY_STORE, entered.trim()); } catch (e) { /* ignore */ }
          return api(method, url, body, true);
        }
      }
      if (response.status === 204) { return null; }
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          var detail = data && data.detail;
          throw new Error(typeof detail === "string" ? detail : "Request failed (" + response.status + ")");
        }
        return data;
      });
    });
  }

  function failed(error) { show(error.message || String(error), true); }

  // An export link is a plain download, unless the trainer entered a key: a link can't send
  // it, so the export is fetched with it and handed to the browser as a file.
  function downloadWithKey(event) {
    var key = storedKey();
    if (!key) { return; }
    event.preventDefault();
    var link = event.currentTarget;
    fetch(link.href, { headers: { "Authorization": "Bearer " + key } }).then(function (response) {
      if (!response.ok) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          throw new Error((data && data.detail) || "Export failed (" + response.status + ")");
        });
      }
      var named = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "");
      return response.blob().then(function (blob) {
        var save = document.createElement("a");
        save.href = URL.createObjectURL(blob);
        save.download = named ? named[1] : "export";
        document.body.appendChild(save);
        save.click();
        document.body.removeChild(save);
        setTimeout(function () { URL.revokeObjectURL(save.href); }, 10000);
      });
    }).catch(failed);
  }

  function busy(button, promise) {
    button.disabled = true;
    return promise.then(function (value) { button.disabled = false; return value; },
      function (error) { button.disabled = false; throw error; });
  }

  function readFile(input) {
    var file = input.files && input.files[0];
    if (!file) { return Promise.resolve(null); }
    return file.text().then(function (text) { return { name: file.name, text: text }; });
  }

  /* --- sets -------------------------------------------------------------------------- */

  function loadSets(select) {
    return api("GET", API + "/sets").then(function (data) {
      var picker = $("set-select");
      clear(picker);
      picker.appendChild(el("option", data.sets.length ? "— kies een set —" : "— nog geen sets —"));
      picker.firstChild.value = "";
      data.sets.forEach(function (s) {
        var option = el("option", s.name + " (" + s.approved + "/" + s.entries + " goedgekeurd)");
        option.value = s.name;
        picker.appendChild(option);
      });
      var wanted = select || (state.set && state.set.name);
      if (wanted) { picker.value = wanted; }
    });
  }

  function openSet(name) {
    if (!name) { $("set-view").hidden = true; $("editor").hidden = true; state.set = null; return Promise.resolve(); }
    return api("GET", setUrl(name)).then(function (data) {
      state.set = data;
      $("set-view").hidden = false;
      $("set-title").textContent = data.name;
      $("set-description-text").textContent = data.description || "";
      $("set-counts").textContent = data.entries.length + " vragen, " + data.approved + " goedgekeurd" +
        (data.stale ? ", " + data.stale + " met gewijzigde bron" : "") + " · taal: " + data.language;
      EXPORT_FORMATS.forEach(function (format) {
        $("export-" + format).href = setUrl(name) + "/export?format=" + format;
      });
      renderEntries(data.entries);
      if (state.entry) {
        var still = data.entries.filter(function (e) { return e.id === state.entry.id; })[0];
        if (still) { renderEditor(still); } else { $("editor").hidden = true; state.entry = null; }
      }
    });
  }

  function renderEntries(entries) {
    var list = $("entries");
    clear(list);
    if (!entries.length) { list.appendChild(el("li", "Nog geen vragen — voeg ze hierboven toe.", "vb-muted")); return; }
    entries.forEach(function (entry) {
      var item = el("li");
      item.dataset.entryId = String(entry.id);
      item.tabIndex = 0;
      if (state.entry && state.entry.id === entry.id) { item.classList.add("vb-selected"); }
      var badges = el("div");
      badges.appendChild(el("span", entry.status === "approved" ? "goedgekeurd" : "concept",
        "vb-badge" + (entry.status === "approved" ? " vb-approved" : "")));
      if (entry.stale) { badges.appendChild(el("span", "bron gewijzigd", "vb-badge vb-stale")); }
      badges.appendChild(el("span", entry.citations.length + " bron(nen)", "vb-badge"));
      item.appendChild(badges);
      item.appendChild(el("strong", entry.question));
      if (entry.answer) { item.appendChild(el("div", entry.answer, "vb-muted")); }
      function open() { selectEntry(entry.id).catch(failed); }
      item.addEventListener("click", open);
      item.addEventListener("keydown", function (event) { if (event.key === "Enter") { open(); } });
      list.appendChild(item);
    });
  }

  /* --- one entry --------------------------------------------------------------------- */

  function entryUrl(id) { return setUrl(state.set.name) + "/entries/" + id; }

  function selectEntry(id) {
    return api("GET", entryUrl(id)).then(function (entry) {
      renderEditor(entry);
      Array.prototype.forEach.call($("entries").children, function (item) {
        item.classList.toggle("vb-selected", item.dataset.entryId === String(id));
      });
      $("editor").scrollIntoView({ block: "nearest" });
    });
  }

  function renderEditor(entry) {
    state.entry = entry;
    $("editor").hidden = false;
    $("entry-question").value = entry.question;
    $("entry-answer").value = entry.answer;
    $("entry-notes").value = entry.notes || "";
    var status = $("entry-status");
    status.textContent = entry.status === "approved" ? "goedgekeurd" : "concept";
    status.className = "vb-badge" + (entry.status === "approved" ? " vb-approved" : "");
    var stale = $("entry-stale");
    stale.hidden = !entry.stale;
    stale.textContent = entry.stale ? "Bron gewijzigd: " + entry.stale_reason : "";
    $("approve-entry").textContent = entry.status === "approved" ? "Goedgekeurd ✓" : "Goedkeuren";
    var list = $("citations");
    clear(list);
    if (!entry.citations.length) {
      list.appendChild(el("li", "Geen bronnen — zoek hieronder in de documenten en citeer een zin.", "vb-muted"));
    }
    entry.citations.forEach(function (c, i) {
      var item = el("li");
      item.appendChild(el("strong", "[" + (i + 1) + "] "));
      item.appendChild(el("span", sourceLabel(c), "vb-source"));
      item.appendChild(el("blockquote", c.quote, "vb-quote"));
      var remove = el("button", "Bron verwijderen");
      remove.type = "button";
      remove.addEventListener("click", function () {
        busy(remove, patchEntry({ remove_citations: [i + 1] })).then(function () {
          show("Bron [" + (i + 1) + "] verwijderd.");
        }).catch(failed);
      });
      item.appendChild(remove);
      list.appendChild(item);
    });
  }

  function sourceLabel(c) {
    var parts = [c.title || c.source];
    if (c.section) { parts.push(c.section); }
    if (c.page) { parts.push("p. " + c.page); }
    return parts.join(" — ");
  }

  function patchEntry(body) {
    return api("PATCH", entryUrl(state.entry.id), body).then(function (entry) {
      renderEditor(entry);
      return openSet(state.set.name).then(function () { return entry; });
    });
  }

  /* --- corpus search ----------------------------------------------------------------- */

  function search(query) {
    return api("GET", API + "/search?k=5&q=" + encodeURIComponent(query)).then(function (data) {
      var list = $("search-results");
      clear(list);
      if (!data.results.length) { list.appendChild(el("li", "Niets gevonden.", "vb-muted")); }
      data.results.forEach(function (hit) {
        var item = el("li");
        item.appendChild(el("div", sourceLabel(hit), "vb-source"));
        hit.sentences.forEach(function (sentence) {
          var row = el("div", null, "vb-sentence");
          row.appendChild(el("span", sentence.text));
          var cite = el("button", "Citeer");
          cite.type = "button";
          cite.addEventListener("click", function () {
            if (!state.entry) { show("Kies eerst een vraag.", true); return; }
            busy(cite, patchEntry({ add_citations: [{ chunk_id: hit.chunk_id, quote: sentence.text }] }))
              .then(function () { show("Bron toegevoegd."); }).catch(failed);
          });
          row.appendChild(cite);
          item.appendChild(row);
        });
        list.appendChild(item);
      });
    });
  }

  /* --- wiring ------------------------------------------------------------------------ */

  function loadDocuments() {
    return api("GET", "/api/documents").then(function (data) {
      var select = $("suggest-doc");
      clear(select);
      data.documents.forEach(function (doc) {
        var option = el("option", doc.title);
        option.value = doc.doc_id;
        select.appendChild(option);
      });
    }).catch(function () { /* suggestions are optional */ });
  }

  function init() {
    EXPORT_FORMATS.forEach(function (format) {
      $("export-" + format).addEventListener("click", downloadWithKey);
    });
    $("set-select").addEventListener("change", function (event) {
      state.entry = null;
      $("editor").hidden = true;
      openSet(event.target.value).catch(failed);
    });

    $("create-set").addEventListener("submit", function (event) {
      event.preventDefault();
      var name = $("set-name").value.trim();
      api("POST", API + "/sets", {
        name: name, description: $("set-description").value.trim(), language: $("set-language").value
      }).then(function (created) {
        $("create-set").reset();
        show("Set '" + created.name + "' gemaakt.");
        return loadSets(created.name).then(function () { return openSet(created.name); });
      }).catch(failed);
    });

    $("add-questions").addEventListener("submit", function (event) {
      event.preventDefault();
      var button = $("draft-button");
      if (!state.set) { show("Kies eerst een set (of maak er een).", true); return; }
      var questions = $("questions").value.split("\n").map(function (q) { return q.trim(); })
        .filter(function (q) { return q; });
      show("Concepten maken…");
      busy(button, readFile($("questions-file")).then(function (file) {
        var body = { questions: questions };
        if (file) { body.text = file.text; body.filename = file.name; }
        return api("POST", setUrl(state.set.name) + "/questions", body);
      })).then(function (result) {
        $("questions").value = "";
        $("questions-file").value = "";
        show(result.added + " concept(en) gemaakt. Controleer ze hieronder.");
        return openSet(state.set.name).then(function () { return loadSets(); });
      }).catch(failed);
    });

    $("suggest-button").addEventListener("click", function () {
      var doc = $("suggest-doc").value;
      if (!doc || !state.set) { return; }
      api("GET", setUrl(state.set.name) + "/suggest?n=10&doc=" + encodeURIComponent(doc)).then(function (data) {
        var list = $("suggestions");
        clear(list);
        data.suggestions.forEach(function (s) {
          var item = el("li");
          item.appendChild(el("span", s.question + " "));
          var add = el("button", "Overnemen");
          add.type = "button";
          add.addEventListener("click", function () {
            var box = $("questions");
            box.value = (box.value.trim() ? box.value.trim() + "\n" : "") + s.question;
            item.remove();
          });
          item.appendChild(add);
          list.appendChild(item);
        });
      }).catch(failed);
    });

    $("import-file").addEventListener("change", function () {
      readFile($("import-file")).then(function (file) {
        if (!file) { return null; }
        if (!state.set) { throw new Error("Kies eerst een set (of maak er een)."); }
        return api("POST", setUrl(state.set.name) + "/import", { content: file.text, filename: file.name });
      }).then(function (result) {
        $("import-file").value = "";
        if (result) {
          show(result.added + " vragen geïmporteerd" + (result.stale ? ", " + result.stale + " met gewijzigde bron" : "") + ".");
          return openSet(state.set.name).then(function () { return loadSets(); });
        }
        return null;
      }).catch(function (error) { $("import-file").value = ""; failed(error); });
    });

    $("edit-entry").addEventListener("submit", function (event) {
      event.preventDefault();
      busy($("save-entry"), patchEntry({
        question: $("entry-question").value, answer: $("entry-answer").value, notes: $("entry-notes").value
      })).then(function () { show("Opgeslagen."); }).catch(failed);
    });

    $("approve-entry").addEventListener("click", function () {
      var button = $("approve-entry");
      var save = api("PATCH", entryUrl(state.entry.id), {
        question: $("entry-question").value, answer: $("entry-answer").value, notes: $("entry-notes").value
      });
      busy(button, save.then(function () { return api("POST", entryUrl(state.entry.id) + "/approve"); }))
        .then(function (entry) {
          renderEditor(entry);
          show("Goedgekeurd: de chat gebruikt dit antwoord nu als gecontroleerd antwoord.");
          return openSet(state.set.name).then(function () { return loadSets(); });
        }).catch(failed);
    });

    $("delete-entry").addEventListener("click", function () {
      if (!window.confirm("Deze vraag verwijderen?")) { return; }
      api("DELETE", entryUrl(state.entry.id)).then(function () {
        state.entry = null;
        $("editor").hidden = true;
        show("Verwijderd.");
        return openSet(state.set.name).then(function () { return loadSets(); });
      }).catch(failed);
    });

    $("search-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var query = $("search-query").value.trim();
      if (query) { search(query).catch(failed); }
    });

    loadSets().catch(failed);
    loadDocuments();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
