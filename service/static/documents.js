/* Vraagbaak document management (/documents). No inline script, no external resources;
 * everything from the server is inserted with textContent, never as HTML. */
(function () {
  "use strict";

  var KEY_STORE = "vraagbaak-admin-key";
  var STATUS = {
    queued: "wacht", reading: "wordt gelezen", indexed: "gelezen, wordt doorzoekbaar",
    searchable: "doorzoekbaar", unchanged: "ongewijzigd", skipped: "overgeslagen",
    removed: "verwijderd", failed: "mislukt"
  };
  var STAGES = {
    "waiting for the job before it": "wacht op de vorige opdracht",
    "placing the files": "bestanden plaatsen", "reading": "documenten lezen",
    "embedding the new passages": "nieuwe passages verwerken",
    "switching to the new index": "overschakelen naar de nieuwe index",
    "checking FAQ citations": "FAQ-bronnen controleren",
    "writing the reports": "rapporten maken", "done": "klaar"
  };

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
    box.className = "dm-status" + (isError ? " dm-error" : "");
    box.hidden = false;
  }
  function storedKey() {
    try { return sessionStorage.getItem(KEY_STORE) || ""; } catch (e) { return ""; }
  }
  function headers() {
    var h = { "Accept": "application/json" };
    if (storedKey()) { h["Authorization"] = "Bearer " + storedKey(); }
    return h;
  }

  // With `vraagbaak serve --require-keys` a key of scope admin is asked once per session.
  function request(method, url, body, retried) {
    return fetch(url, { method: method, headers: headers(), body: body }).then(function (r) {
      if ((r.status === 401 || r.status === 403) && !retried) {
        var entered = window.prompt(
          "API-sleutel (scope admin), van `vraagbaak keys create --scope admin`:");
        if (entered) {
          try { sessionStorage.setItem(KEY_STORE, entered.trim()); } catch (e) { /* ignore */ }
          return request(method, url, body, true);
        }
      }
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (!r.ok) {
          throw new Error(typeof data.detail === "string" ? data.detail : "Mislukt (" + r.status + ")");
        }
        return data;
      });
    });
  }

  // --- documents ------------------------------------------------------------------------

  function loadDocuments() {
    return request("GET", "/api/documents").then(function (data) {
      var body = $("documents");
      clear(body);
      var docs = (data.documents || []).slice().sort(function (a, b) {
        return String(a.title).localeCompare(String(b.title));
      });
      $("count").textContent = "(" + docs.length + ")";
      docs.forEach(function (doc) { body.appendChild(row(doc)); });
    }).catch(function (error) { show(error.message, true); });
  }

  function row(doc) {
    var tr = el("tr");
    tr.setAttribute("data-doc", doc.doc_id);
    var name = el("td");
    name.appendChild(el("div", doc.title || doc.source, "dm-title"));
    name.appendChild(el("div", doc.source, "dm-source"));
    tr.appendChild(name);
    tr.appendChild(el("td", doc.pages === null ? "—" : doc.pages, "dm-num"));
    tr.appendChild(el("td", doc.passages, "dm-num"));
    var actions = el("td", null, "dm-actions");
    var reportButton = el("button", "Rapport");
    reportButton.type = "button";
    reportButton.setAttribute("aria-expanded", "false");
    reportButton.addEventListener("click", function () { toggleReport(tr, doc, reportButton); });
    var open = el("a", "Origineel");
    open.href = "/api/documents/" + encodeURIComponent(doc.doc_id) + "/file";
    open.target = "_blank";
    open.rel = "noopener";
    open.addEventListener("click", function (event) { openWithKey(event, open.href); });
    var remove = el("button", "Verwijderen", "dm-delete");
    remove.type = "button";
    remove.addEventListener("click", function () { deleteDocument(doc); });
    actions.appendChild(reportButton);
    actions.appendChild(open);
    actions.appendChild(remove);
    tr.appendChild(actions);
    return tr;
  }

  function toggleReport(tr, doc, button) {
    var next = tr.nextSibling;
    if (next && next.classList && next.classList.contains("dm-report")) {
      next.parentNode.removeChild(next);
      button.setAttribute("aria-expanded", "false");
      return;
    }
    var reportRow = el("tr", null, "dm-report");
    var cell = el("td", "Rapport laden…");
    cell.colSpan = 4;
    reportRow.appendChild(cell);
    tr.parentNode.insertBefore(reportRow, tr.nextSibling);
    button.setAttribute("aria-expanded", "true");
    request("GET", "/api/documents/" + encodeURIComponent(doc.doc_id) + "/report")
      .then(function (report) { clear(cell); cell.appendChild(renderReport(report)); })
      .catch(function (error) { cell.textContent = error.message; });
  }

  function pagesText(pages) {
    return pages && pages.length ? "blz. " + pages.join(", ") : "geen";
  }

  function renderReport(report) {
    var box = el("div");
    var dl = el("dl");
    function item(label, value) {
      dl.appendChild(el("dt", label));
      var dd = el("dd");
      if (value instanceof Node) { dd.appendChild(value); } else { dd.textContent = value; }
      dl.appendChild(dd);
    }
    item("Pagina's", report.pages === null || report.pages === undefined ? "—" : report.pages);
    item("Passages", report.passages);
    var sections = report.sections || [];
    var count = report.section_count !== undefined ? report.section_count : sections.length;
    var headings = sections.map(function (path) { return path.split(" > ").pop(); });
    var list = el("span", count + (count ? ": " + headings.slice(0, 12).join(" · ") : "")
      + (count > 12 ? " …" : ""));
    item("Hoofdstukken en paragrafen", list);
    item("Pagina's zonder tekst", pagesText(report.pages_without_text));
    if (report.ocr_pages && report.ocr_pages.length) {
      item("Gelezen met OCR", pagesText(report.ocr_pages));
    }
    var removed = el("span", String(report.removed_lines || 0) + " regels");
    if (report.removed_example) {
      removed.appendChild(document.createTextNode(", bijvoorbeeld "));
      removed.appendChild(el("span", report.removed_example, "dm-example"));
    }
    item("Kop- en voetteksten verwijderd", removed);
    box.appendChild(dl);
    var warnings = report.warnings || [];
    if (warnings.length) {
      var ul = el("ul", null, "dm-warnings");
      warnings.forEach(function (w) { ul.appendChild(el("li", w)); });
      box.appendChild(ul);
    }
    return box;
  }

  // A link cannot send the key: with one, the file is fetched with it and opened from memory.
  function openWithKey(event, url) {
    if (!storedKey()) { return; }
    event.preventDefault();
    var opened = window.open("", "_blank");
    fetch(url, { headers: headers() }).then(function (r) {
      if (!r.ok) { throw new Error("Openen mislukt (" + r.status + ")"); }
      return r.blob();
    }).then(function (blob) {
      if (opened) { opened.location.href = URL.createObjectURL(blob); }
    }).catch(function (error) {
      if (opened) { opened.close(); }
      show(error.message, true);
    });
  }

  function deleteDocument(doc) {
    if (!window.confirm("'" + (doc.title || doc.source) + "' verwijderen? Het bestand gaat "
      + "naar de map met verwijderde documenten; FAQ-antwoorden die het citeren worden gemarkeerd.")) {
      return;
    }
    request("DELETE", "/api/documents/" + encodeURIComponent(doc.doc_id))
      .then(function (data) { follow(data.job, "Verwijderen: " + doc.source); })
      .catch(function (error) { show(error.message, true); });
  }

  // --- uploads and jobs ------------------------------------------------------------------

  function upload(files) {
    if (!files || !files.length) { return; }
    var form = new FormData();
    var names = [];
    Array.prototype.forEach.call(files, function (file) {
      form.append("files", file, file.name);
      names.push(file.name);
    });
    request("POST", "/api/documents", form)
      .then(function (data) { follow(data.job, "Toevoegen: " + names.join(", ")); })
      .catch(function (error) { show(error.message, true); });
  }

  function jobCard(title) {
    var card = el("div", null, "dm-job");
    card.setAttribute("data-testid", "job");
    card.appendChild(el("h3", title));
    var bar = el("progress");
    bar.max = 1;
    bar.value = 0;
    var line = el("p", "In de wachtrij…", "dm-muted");
    var list = el("ul");
    card.appendChild(bar);
    card.appendChild(line);
    card.appendChild(list);
    $("jobs").insertBefore(card, $("jobs").firstChild);
    return { card: card, bar: bar, line: line, list: list };
  }

  function render(view, job) {
    view.bar.max = Math.max(1, job.total);
    view.bar.value = job.state === "done" ? view.bar.max : job.done;
    view.card.setAttribute("data-state", job.state);
    var stage = STAGES[job.stage] || job.stage;
    view.line.textContent = (job.state === "done" ? "Klaar" : job.state === "failed"
      ? "Mislukt: " + job.message : stage) + " — " + job.done + " van " + job.total
      + " gelezen" + (job.seconds ? " · " + job.seconds + " s" : "")
      + (job.faq && job.faq.flagged && job.faq.flagged.length ? " · " + job.faq.flagged.length
        + " FAQ-antwoord(en) gemarkeerd: bron gewijzigd" : "");
    clear(view.list);
    job.documents.forEach(function (d) {
      var li = el("li", d.name + ": " + (STATUS[d.status] || d.status)
        + (d.reason ? " — " + d.reason : ""), "dm-s-" + d.status);
      li.setAttribute("data-status", d.status);
      view.list.appendChild(li);
    });
  }

  // Progress arrives as server-sent events, read with fetch so the key header goes along.
  function follow(jobId, title) {
    var view = jobCard(title);
    fetch("/api/ingest/jobs/" + encodeURIComponent(jobId) + "/events", { headers: headers() })
      .then(function (response) {
        if (!response.ok || !response.body) { throw new Error("Voortgang niet beschikbaar"); }
        var reader = response.body.getReader();
        var decoder = new TextDecoder();
        var buffer = "";
        function pump() {
          return reader.read().then(function (chunk) {
            if (chunk.done) { return; }
            buffer += decoder.decode(chunk.value, { stream: true });
            var blocks = buffer.split("\n\n");
            buffer = blocks.pop();
            blocks.forEach(function (block) {
              var data = block.split("\n").filter(function (l) { return l.indexOf("data: ") === 0; })
                .map(function (l) { return l.slice(6); }).join("\n");
              if (!data) { return; }
              var job = JSON.parse(data);
              render(view, job);
              if (job.state === "done" || job.state === "failed") { loadDocuments(); }
            });
            return pump();
          });
        }
        return pump();
      })
      .catch(function (error) { view.line.textContent = error.message; });
  }

  function setUpDrop() {
    var drop = $("drop");
    ["dragenter", "dragover"].forEach(function (name) {
      drop.addEventListener(name, function (event) {
        event.preventDefault();
        drop.classList.add("dm-over");
      });
    });
    ["dragleave", "drop"].forEach(function (name) {
      drop.addEventListener(name, function (event) {
        event.preventDefault();
        drop.classList.remove("dm-over");
      });
    });
    drop.addEventListener("drop", function (event) {
      upload(event.dataTransfer && event.dataTransfer.files);
    });
    $("files").addEventListener("change", function (event) {
      upload(event.target.files);
      event.target.value = "";
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpDrop();
    loadDocuments();
  });
})();
