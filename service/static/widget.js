/*
 * Vraagbaak chat widget — answers from youth-care documents, with the passages they rest on.
 *
 * Embed on any page (no build step, no external fonts or CDNs):
 *
 *   <script src="https://vraagbaak.example.nl/widget.js"></script>
 *   <vraagbaak-chat></vraagbaak-chat>
 *
 * Attributes
 *   api="https://host:port"   Where the Vraagbaak service runs. Default: the origin this
 *                             script was loaded from. The embedding site's origin must be
 *                             listed in VRAAGBAAK_CORS_ORIGINS on the service.
 *   lang="en"                 English interface (default Dutch). Answers given in English
 *                             get English labels automatically.
 *   storage-key="…"           Optional: keeps two widgets on one page apart in sessionStorage.
 *   no-storage                Keep nothing in the host page's sessionStorage: the questions
 *                             and answers are gone when the page reloads (for shared PCs).
 *
 * Styling — set these CSS custom properties on the element (or any ancestor):
 *   --vraagbaak-accent         main colour: send button, links, markers     (#1d5f8a)
 *   --vraagbaak-accent-text    text on the accent colour                    (#ffffff)
 *   --vraagbaak-font           font family                                  (system fonts)
 *   --vraagbaak-font-size      base font size                               (15px)
 *   --vraagbaak-bg             widget background                            (#ffffff)
 *   --vraagbaak-surface        background of answers and panels             (#f3f5f8)
 *   --vraagbaak-text           text colour                                  (#1c2430)
 *   --vraagbaak-muted          secondary text                               (#55606e)
 *   --vraagbaak-border         borders and dividers                         (#d3d9e0)
 *   --vraagbaak-radius         corner radius                                (10px)
 *   --vraagbaak-user-bg        background of the user's questions           (#e3edf5)
 *   --vraagbaak-refusal-bg     background of "not found" answers            (#fff6e5)
 *   --vraagbaak-refusal-border border of "not found" answers                (#d9962b)
 *   --vraagbaak-highlight      the quoted sentence in an opened passage     (#ffe066)
 *   --vraagbaak-focus          keyboard focus ring                          (#0a58ca)
 *   --vraagbaak-height         height of the widget                         (640px)
 *
 * Everything lives in a shadow root: the host page's CSS cannot reach inside, and the
 * widget's CSS cannot leak out. Text from the server is only ever inserted as text nodes.
 */
(() => {
  "use strict";

  const TAG = "vraagbaak-chat";
  if (customElements.get(TAG)) return;

  /** The origin this script was loaded from: the default API location. */
  const SCRIPT_ORIGIN = (() => {
    const script = document.currentScript
      || document.querySelector('script[src$="/widget.js"], script[src="widget.js"]');
    try {
      return new URL(script.src, location.href).origin;
    } catch (_) {
      return location.origin;
    }
  })();

  const MAX_CHUNK_IDS = 20;
  const MAX_STORED_MESSAGES = 60;

  // --- texts ---------------------------------------------------------------------------

  const TEXTS = {
    nl: {
      title: "Vraagbaak",
      subtitle: "Antwoorden uit de documenten, met bronnen",
      newConversation: "Nieuw gesprek",
      newConversationLabel: "Begin een nieuw gesprek",
      conversation: "Gesprek",
      empty: "Stel een vraag over jeugdhulp. Vraagbaak antwoordt alleen met wat in de "
        + "documenten staat en laat bij elk antwoord de bronpassages zien.",
      inputLabel: "Je vraag",
      placeholder: "Stel een vraag…",
      inputHint: "Enter verstuurt, Shift+Enter geeft een nieuwe regel",
      send: "Verstuur vraag",
      you: "Jij",
      working: "Bezig met zoeken…",
      sources: "Bronnen",
      related: "Mogelijk gerelateerd",
      relatedHint: "Deze passages gaan misschien over iets vergelijkbaars:",
      refusalTitle: "Niet gevonden in de documenten",
      interpretedAs: "Opgevat als: ",
      checked: "Gecontroleerd door een trainer",
      checkedOn: (date) => `Gecontroleerd door een trainer op ${date}`,
      cite: (n, title) => `Bron ${n} openen: ${title}`,
      page: (p) => `blz. ${p}`,
      passage: "Bronpassage",
      closePassage: "Sluit passage",
      passageLoading: "Passage laden…",
      passageMissing: "Deze passage is niet (meer) beschikbaar. Stel de vraag opnieuw.",
      passageLegend: "Geel: de geciteerde tekst. Blauw: de passage. Grijs: de tekst eromheen.",
      pageLegend: "De pagina uit het document, het citaat geel gemarkeerd.",
      pageAlt: (p, title) => `Pagina ${p} van ${title}, met het citaat geel gemarkeerd`,
      openOriginal: (p) => `Open het originele document op blz. ${p}`,
      ocrNote: "OCR: deze tekst is herkend van een scan. Controleer het citaat op de pagina.",
      textBelow: "De tekst van de passage",
      feedbackQuestion: "Was dit antwoord nuttig?",
      up: "Ja, nuttig",
      down: "Nee, niet nuttig",
      commentLabel: "Toelichting (optioneel)",
      commentPlaceholder: "Wat klopte er wel of niet?",
      sendFeedback: "Verstuur feedback",
      thanks: "Bedankt voor je feedback!",
      feedbackFailed: "Feedback versturen is niet gelukt. Probeer het later opnieuw.",
      cors: "Kan Vraagbaak niet bereiken vanaf deze pagina — staat deze website in "
        + "VRAAGBAAK_CORS_ORIGINS?",
      offline: "Kan Vraagbaak niet bereiken. Controleer de verbinding en probeer het opnieuw.",
      failed: "Er ging iets mis: ",
      busy: "Vraagbaak is druk. Wacht even en probeer het opnieuw.",
    },
    en: {
      title: "Vraagbaak",
      subtitle: "Answers from the documents, with sources",
      newConversation: "New conversation",
      newConversationLabel: "Start a new conversation",
      conversation: "Conversation",
      empty: "Ask a question about youth care. Vraagbaak only answers with what the "
        + "documents say and shows the source passages with every answer.",
      inputLabel: "Your question",
      placeholder: "Ask a question…",
      inputHint: "Enter sends, Shift+Enter adds a new line",
      send: "Send question",
      you: "You",
      working: "Searching…",
      sources: "Sources",
      related: "Possibly related",
      relatedHint: "These passages might be about something similar:",
      refusalTitle: "Not found in the documents",
      interpretedAs: "Understood as: ",
      checked: "Checked by a trainer",
      checkedOn: (date) => `Checked by a trainer on ${date}`,
      cite: (n, title) => `Open source ${n}: ${title}`,
      page: (p) => `p. ${p}`,
      passage: "Source passage",
      closePassage: "Close passage",
      passageLoading: "Loading passage…",
      passageMissing: "This passage is no longer available. Please ask again.",
      passageLegend: "Yellow: the quoted text. Blue: the passage. Grey: the text around it.",
      pageLegend: "The page from the document, the quote marked in yellow.",
      pageAlt: (p, title) => `Page ${p} of ${title}, with the quote marked in yellow`,
      openOriginal: (p) => `Open the original document at p. ${p}`,
      ocrNote: "OCR: this text was read from a scan. Check the quote against the page.",
      textBelow: "The passage's text",
      feedbackQuestion: "Was this answer helpful?",
      up: "Yes, helpful",
      down: "No, not helpful",
      commentLabel: "Comment (optional)",
      commentPlaceholder: "What was right or wrong?",
      sendFeedback: "Send feedback",
      thanks: "Thank you for your feedback!",
      feedbackFailed: "Sending feedback failed. Please try again later.",
      cors: "Cannot reach Vraagbaak from this page — is this website listed in "
        + "VRAAGBAAK_CORS_ORIGINS?",
      offline: "Cannot reach Vraagbaak. Check the connection and try again.",
      failed: "Something went wrong: ",
      busy: "Vraagbaak is busy. Wait a moment and try again.",
    },
  };

  const texts = (lang) => TEXTS[lang === "en" ? "en" : "nl"];

  // --- styles --------------------------------------------------------------------------

  const STYLES = `
:host {
  display: block;
  height: var(--vraagbaak-height, 640px);
  min-height: 320px;
  contain: content;
}
:host([hidden]) { display: none; }
.root {
  all: initial;
  --accent: var(--vraagbaak-accent, #1d5f8a);
  --accent-text: var(--vraagbaak-accent-text, #ffffff);
  --bg: var(--vraagbaak-bg, #ffffff);
  --surface: var(--vraagbaak-surface, #f3f5f8);
  --text: var(--vraagbaak-text, #1c2430);
  --muted: var(--vraagbaak-muted, #55606e);
  --border: var(--vraagbaak-border, #d3d9e0);
  --radius: var(--vraagbaak-radius, 10px);
  --user-bg: var(--vraagbaak-user-bg, #e3edf5);
  --refusal-bg: var(--vraagbaak-refusal-bg, #fff6e5);
  --refusal-border: var(--vraagbaak-refusal-border, #d9962b);
  --highlight: var(--vraagbaak-highlight, #ffe066);
  --focus: var(--vraagbaak-focus, #0a58ca);
  box-sizing: border-box;
  display: flex;
  flex-direction: column;
  position: relative;
  height: 100%;
  width: 100%;
  overflow: hidden;
  container-type: inline-size;
  font-family: var(--vraagbaak-font, system-ui, -apple-system, "Segoe UI", Roboto,
    "Helvetica Neue", "Liberation Sans", Arial, sans-serif);
  font-size: var(--vraagbaak-font-size, 15px);
  line-height: 1.5;
  color: var(--text);
  background: var(--bg);
  border: 1px solid var(--border);
  border-radius: var(--radius);
  text-align: start;
  -webkit-font-smoothing: antialiased;
}
*, *::before, *::after { box-sizing: border-box; }
[hidden] { display: none !important; }
button, textarea { font: inherit; color: inherit; letter-spacing: inherit; }
button { cursor: pointer; }
button:disabled { cursor: default; opacity: .55; }
:focus { outline: none; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
h2, h3, h4, p, ol, ul { margin: 0; padding: 0; }
.visually-hidden {
  position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; border: 0;
  overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap;
}

/* header */
.bar {
  display: flex; align-items: center; gap: 12px;
  padding: 10px 14px;
  border-bottom: 1px solid var(--border);
  background: var(--bg);
}
.brand { flex: 1; min-width: 0; }
.brand h2 { font-size: 1.1em; font-weight: 700; color: var(--accent); }
.brand p { font-size: .85em; color: var(--muted); overflow: hidden; text-overflow: ellipsis;
  white-space: nowrap; }
.ghost {
  display: inline-flex; align-items: center; gap: 6px;
  padding: 6px 12px; border-radius: 999px;
  border: 1px solid var(--border); background: var(--bg);
  font-size: .9em; white-space: nowrap;
}
.ghost:hover:not(:disabled) { border-color: var(--accent); color: var(--accent); }
.icon { width: 18px; height: 18px; flex: none; fill: none; stroke: currentColor;
  stroke-width: 2; stroke-linecap: round; stroke-linejoin: round; }

/* main area: the chat, and the passage viewer beside it (wide) or over it (narrow) */
.main { flex: 1; min-height: 0; display: flex; position: relative; }
.chat { flex: 1; min-width: 0; display: flex; flex-direction: column; }
.log {
  flex: 1; min-height: 0; overflow-y: auto; overscroll-behavior: contain;
  padding: 14px; display: flex; flex-direction: column; gap: 14px;
}
.empty { color: var(--muted); max-width: 46em; margin: auto; text-align: center;
  padding: 12px; }

/* messages */
.msg { max-width: 100%; overflow-wrap: anywhere; }
.msg.user {
  align-self: flex-end; max-width: min(85%, 40em);
  background: var(--user-bg); padding: 8px 12px;
  border-radius: var(--radius) var(--radius) 2px var(--radius);
  white-space: pre-wrap;
}
.msg.bot {
  align-self: stretch;
  background: var(--surface); border: 1px solid var(--border);
  border-left: 4px solid var(--accent);
  padding: 10px 14px; border-radius: 2px var(--radius) var(--radius) var(--radius);
  display: flex; flex-direction: column; gap: 10px;
}
.msg.bot.refused { background: var(--refusal-bg); border-color: var(--refusal-border);
  border-left-width: 4px; border-left-style: dashed; }
.msg.bot.error { border-left-color: #b3261e; background: #fdecea; }
.refusal-title { display: flex; align-items: center; gap: 8px; font-size: 1em;
  font-weight: 700; color: #7a4a00; }
.answer { white-space: pre-wrap; }
.interpreted { font-size: .85em; color: var(--muted); font-style: italic; }
.checked { align-self: flex-start; display: inline-flex; align-items: center; gap: 6px;
  padding: 2px 10px 2px 6px; border-radius: 999px; font-size: .85em; font-weight: 600;
  color: #1e6b36; background: #e6f4ea; border: 1px solid #a8d5b5; }
.checked .icon { width: 16px; height: 16px; }
.working { display: flex; align-items: center; gap: 10px; color: var(--muted); }
.spinner {
  width: 16px; height: 16px; border-radius: 50%; flex: none;
  border: 2px solid var(--border); border-top-color: var(--accent);
  animation: spin .8s linear infinite;
}
@keyframes spin { to { transform: rotate(360deg); } }
@media (prefers-reduced-motion: reduce) { .spinner { animation-duration: 3s; } }
.cite {
  display: inline-block; min-width: 1.9em; padding: 0 4px; margin: 0 1px;
  border: 1px solid var(--accent); border-radius: 5px; background: var(--bg);
  color: var(--accent); font-size: .8em; font-weight: 700; line-height: 1.45;
  vertical-align: .1em; text-align: center;
}
.cite:hover, .cite[aria-current="true"] { background: var(--accent); color: var(--accent-text); }

/* sources and related passages */
.sources h4 { font-size: .8em; text-transform: uppercase; letter-spacing: .05em;
  color: var(--muted); margin-bottom: 4px; }
.sources .hint { font-size: .9em; color: var(--muted); margin-bottom: 6px; }
.sources ol { list-style: none; display: flex; flex-direction: column; gap: 6px; }
.source {
  display: grid; grid-template-columns: auto 1fr; column-gap: 8px; align-items: baseline;
  width: 100%; text-align: start; padding: 6px 8px;
  border: 1px solid var(--border); border-radius: 8px; background: var(--bg);
}
.source:hover, .source[aria-current="true"] { border-color: var(--accent); }
.source[aria-current="true"] { box-shadow: inset 3px 0 0 var(--accent); }
.source .num { font-weight: 700; color: var(--accent); font-size: .9em; }
.source .title { font-weight: 600; }
.source .meta, .source .quote { grid-column: 2; font-size: .85em; color: var(--muted); }
.source .quote { font-style: italic; display: -webkit-box; -webkit-line-clamp: 2;
  -webkit-box-orient: vertical; overflow: hidden; }

/* feedback */
.feedback { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 8px;
  font-size: .9em; color: var(--muted); border-top: 1px solid var(--border);
  padding-top: 8px; }
.thumb { display: inline-flex; align-items: center; justify-content: center;
  width: 34px; height: 30px; border-radius: 8px; border: 1px solid var(--border);
  background: var(--bg); color: var(--text); padding: 0; }
.thumb:hover:not(:disabled), .thumb[aria-pressed="true"] { border-color: var(--accent);
  color: var(--accent); }
.thumb[aria-pressed="true"] { background: var(--user-bg); }
.feedback form { flex-basis: 100%; display: flex; flex-direction: column; gap: 6px; }
.feedback label { font-size: .95em; color: var(--text); }
.feedback textarea { width: 100%; min-height: 3.2em; resize: vertical; padding: 6px 8px;
  border: 1px solid var(--border); border-radius: 8px; background: var(--bg); }
.feedback .primary { align-self: flex-start; }
.thanks { color: #1e6b36; font-weight: 600; }

/* composer */
.notice { margin: 0 14px 8px; padding: 8px 12px; border-radius: 8px;
  background: #fdecea; color: #8c1d18; border: 1px solid #f1b0aa; font-size: .92em; }
.composer { display: flex; gap: 8px; align-items: flex-end; padding: 10px 14px 12px;
  border-top: 1px solid var(--border); background: var(--bg); }
.composer textarea {
  flex: 1; min-width: 0; resize: none; max-height: 9em; min-height: 42px;
  padding: 9px 12px; border: 1px solid var(--border); border-radius: var(--radius);
  background: var(--bg); line-height: 1.4;
}
.composer textarea:focus-visible { outline-offset: 0; }
.primary {
  display: inline-flex; align-items: center; justify-content: center; gap: 6px;
  border: 0; border-radius: var(--radius); background: var(--accent);
  color: var(--accent-text); padding: 8px 14px; font-weight: 600;
}
.send { height: 42px; width: 46px; padding: 0; flex: none; }
.send .icon { width: 20px; height: 20px; }

/* passage viewer */
.viewer {
  display: flex; flex-direction: column; min-height: 0; background: var(--bg);
  position: absolute; left: 0; right: 0; bottom: 0; height: 72%; z-index: 2;
  border-top: 1px solid var(--border); border-radius: var(--radius) var(--radius) 0 0;
  box-shadow: 0 -6px 24px rgba(15, 25, 40, .18); overflow: hidden;
}
.viewer-head { display: flex; gap: 10px; align-items: flex-start; padding: 12px 14px;
  border-bottom: 1px solid var(--border); background: var(--surface); }
.viewer-head > div { flex: 1; min-width: 0; }
.viewer-head .label { font-size: .8em; text-transform: uppercase; letter-spacing: .05em;
  color: var(--muted); }
.viewer-head h3 { font-size: 1em; font-weight: 700; overflow-wrap: anywhere;
  display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical; overflow: hidden; }
.viewer-head .meta { font-size: .85em; color: var(--muted); display: -webkit-box;
  -webkit-line-clamp: 2; -webkit-box-orient: vertical; overflow: hidden; }
.close { width: 34px; height: 34px; padding: 0; flex: none; border-radius: 8px;
  border: 1px solid var(--border); background: var(--bg); display: inline-flex;
  align-items: center; justify-content: center; }
.close:hover { border-color: var(--accent); color: var(--accent); }
.viewer-body { position: relative; flex: 1; min-height: 0; overflow-y: auto;
  padding: 12px 16px 24px; }
.viewer-body .legend { font-size: .82em; color: var(--muted); margin-bottom: 10px; }
.context { white-space: pre-wrap; overflow-wrap: anywhere; line-height: 1.6; }
.context .around { color: var(--muted); }
.context .passage { color: var(--text); background: var(--user-bg); padding: 2px 0;
  -webkit-box-decoration-break: clone; box-decoration-break: clone; }
.context mark { background: var(--highlight); color: #000; padding: 1px 0;
  border-radius: 2px; box-shadow: 0 0 0 2px var(--highlight);
  -webkit-box-decoration-break: clone; box-decoration-break: clone; }
.viewer-body .status { color: var(--muted); }
.pages { display: flex; flex-direction: column; gap: 8px; margin-bottom: 14px; }
.pages img { display: block; width: 100%; height: auto; min-height: 120px;
  border: 1px solid var(--border); border-radius: 4px; background: #fff; }
.pages .original { font-size: .9em; color: var(--accent); font-weight: 600; }
.ocr { display: inline-block; font-size: .8em; font-weight: 700; padding: 1px 6px;
  border-radius: 4px; background: var(--highlight); color: #000; margin-right: 6px; }
.text-heading { font-size: .8em; text-transform: uppercase; letter-spacing: .05em;
  color: var(--muted); margin: 4px 0 6px; }

@container (min-width: 760px) {
  .viewer { position: static; height: auto; flex: 0 0 44%; max-width: 560px;
    border-top: 0; border-left: 1px solid var(--border); border-radius: 0;
    box-shadow: none; }
  .log { padding: 16px 20px; }
}
@container (max-width: 420px) {
  .bar { padding: 8px 10px; }
  .brand p { display: none; }
  .log { padding: 10px; gap: 12px; }
  .msg.bot { padding: 10px; }
  .composer { padding: 8px 10px 10px; }
  .notice { margin: 0 10px 8px; }
  .viewer { height: 76%; }
  .viewer-head { padding: 10px 12px; }
  .viewer-body { padding: 10px 12px 20px; }
}
`;

  // --- icons (static markup, never server data) ----------------------------------------

  const ICONS = {
    send: '<path d="M4 12l16-8-6 16-2.5-6.5z"/><path d="M11.5 13.5L20 4"/>',
    plus: '<path d="M12 5v14M5 12h14"/>',
    close: '<path d="M6 6l12 12M18 6L6 18"/>',
    up: '<path d="M7 10v10H4V10zM7 10l4-7c1.5 0 2.5 1 2.2 2.6L12.6 9H19a2 2 0 0 1 2 2.3l-1.3 7'
      + 'A2 2 0 0 1 17.7 20H7"/>',
    down: '<path d="M7 14V4H4v10zM7 14l4 7c1.5 0 2.5-1 2.2-2.6L12.6 15H19a2 2 0 0 0 2-2.3l-1.3-7'
      + 'A2 2 0 0 0 17.7 4H7"/>',
    search: '<circle cx="11" cy="11" r="6"/><path d="M20 20l-4.5-4.5"/>',
    check: '<path d="M5 12.5l4.5 4.5L19 7.5"/>',
  };

  function icon(name) {
    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("class", "icon");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    svg.innerHTML = ICONS[name]; // constant markup from this file only
    return svg;
  }

  // --- small DOM helpers ---------------------------------------------------------------

  /** An element with attributes and children; strings become text nodes. */
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  /** "Section · blz. 4" for a citation or passage. */
  function placeOf(item, t) {
    const parts = [];
    if (item.section) parts.push(String(item.section));
    if (item.page !== null && item.page !== undefined) parts.push(t.page(item.page));
    return parts.join(" · ");
  }

  // --- server-sent events over fetch ---------------------------------------------------

  /** Parse one SSE block ("event: x\ndata: {...}") into {event, data}. */
  function parseSSEBlock(block) {
    let event = "message";
    const data = [];
    for (const line of block.split(/\r?\n/)) {
      if (!line || line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon === -1 ? line : line.slice(0, colon);
      let value = colon === -1 ? "" : line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "event") event = value;
      else if (field === "data") data.push(value);
    }
    if (!data.length) return null;
    const raw = data.join("\n");
    try {
      return { event, data: JSON.parse(raw) };
    } catch (_) {
      return { event, data: raw };
    }
  }

  /** Read a fetch Response body as SSE, calling onEvent(event, data) for each event. */
  async function readSSE(response, onEvent) {
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      buffer += decoder.decode(value || new Uint8Array(), { stream: !done });
      const blocks = buffer.split(/\r?\n\r?\n/);
      buffer = blocks.pop();
      for (const block of blocks) {
        const parsed = parseSSEBlock(block);
        if (parsed) onEvent(parsed.event, parsed.data);
      }
      if (done) break;
    }
    const rest = parseSSEBlock(buffer);
    if (rest) onEvent(rest.event, rest.data);
  }

  /** An Error carrying what to show the user. */
  class WidgetError extends Error {
    constructor(message, kind = "server") {
      super(message);
      this.kind = kind;
    }
  }

  async function errorFrom(response, t) {
    let detail = `HTTP ${response.status}`;
    try {
      const body = await response.json();
      if (body && body.detail) detail = typeof body.detail === "string"
        ? body.detail : JSON.stringify(body.detail);
    } catch (_) { /* not JSON */ }
    if (response.status === 429 || response.status === 503) {
      return new WidgetError(`${t.busy} (${detail})`);
    }
    return new WidgetError(t.failed + detail);
  }

  // --- storage -------------------------------------------------------------------------

  const store = {
    load(key) {
      try {
        const raw = sessionStorage.getItem(key);
        return raw ? JSON.parse(raw) : null;
      } catch (_) {
        return null;
      }
    },
    save(key, value) {
      try {
        sessionStorage.setItem(key, JSON.stringify(value));
      } catch (_) { /* storage full or blocked: the conversation just isn't kept */ }
    },
    remove(key) {
      try {
        sessionStorage.removeItem(key);
      } catch (_) { /* ignore */ }
    },
  };

  // --- the element ---------------------------------------------------------------------

  class VraagbaakChat extends HTMLElement {
    static get observedAttributes() {
      return ["lang", "api"];
    }

    constructor() {
      super();
      this.attachShadow({ mode: "open" });
      this.messages = []; // {role: "user", text} | {role: "bot", question, answer, feedback}
      this.conversationId = null;
      this.busy = false;
      this.abort = null;
      this.viewerOpener = null;
      this.passageRequest = 0;
    }

    // configuration

    get api() {
      const value = (this.getAttribute("api") || "").trim() || SCRIPT_ORIGIN;
      return value.replace(/\/+$/, "");
    }

    // An API key (attribute api-key) when the service runs with --require-keys: create one
    // with `vraagbaak keys create --scope ask --origin https://your-intranet` so it only works
    // from your own pages.
    headers(extra = {}) {
      const key = (this.getAttribute("api-key") || "").trim();
      return key ? { ...extra, Authorization: `Bearer ${key}` } : extra;
    }

    get uiLang() {
      return (this.getAttribute("lang") || "").toLowerCase().startsWith("en") ? "en" : "nl";
    }

    get t() {
      return texts(this.uiLang);
    }

    get storageKey() {
      const extra = this.getAttribute("storage-key") || this.id || "";
      return `vraagbaak-chat:${this.api}:${extra}`;
    }

    // lifecycle

    connectedCallback() {
      if (!this.root) this.build();
      this.restore();
    }

    disconnectedCallback() {
      if (this.abort) this.abort.abort();
    }

    attributeChangedCallback(name, oldValue, newValue) {
      if (!this.root || oldValue === newValue) return;
      if (name === "lang") {
        this.applyLabels();
        this.renderAll();
      } else if (name === "api") {
        this.restore();
      }
    }

    // shell

    build() {
      const style = el("style", { text: STYLES });
      this.root = el("div", { class: "root", part: "root" });
      this.titleEl = el("h2");
      this.subtitleEl = el("p");
      this.newButton = el("button", { type: "button", class: "ghost new",
        onclick: () => this.newConversation() }, icon("plus"), el("span"));
      const bar = el("header", { class: "bar" },
        el("div", { class: "brand" }, this.titleEl, this.subtitleEl), this.newButton);

      this.log = el("div", { class: "log", role: "log", "aria-live": "polite",
        "aria-relevant": "additions text", tabindex: "0" });
      this.notice = el("div", { class: "notice", role: "alert", hidden: true });
      this.input = el("textarea", { rows: "1", name: "question", maxlength: "2000",
        autocomplete: "off", enterkeyhint: "send" });
      this.hint = el("span", { class: "visually-hidden", id: "vraagbaak-hint" });
      this.input.setAttribute("aria-describedby", "vraagbaak-hint");
      this.sendButton = el("button", { type: "submit", class: "primary send" }, icon("send"));
      this.form = el("form", { class: "composer", novalidate: true },
        this.input, this.hint, this.sendButton);
      this.form.addEventListener("submit", (event) => {
        event.preventDefault();
        this.send();
      });
      this.input.addEventListener("keydown", (event) => this.onInputKey(event));
      this.input.addEventListener("input", () => this.autosize());

      this.chat = el("div", { class: "chat" }, this.log, this.notice, this.form);
      this.viewer = el("aside", { class: "viewer", hidden: true });
      this.viewer.addEventListener("keydown", (event) => {
        if (event.key === "Escape") this.closePassage();
      });
      this.main = el("div", { class: "main" }, this.chat, this.viewer);
      this.root.append(bar, this.main);
      this.shadowRoot.append(style, this.root);
      this.applyLabels();
    }

    applyLabels() {
      const t = this.t;
      this.root.setAttribute("lang", this.uiLang);
      this.titleEl.textContent = t.title;
      this.subtitleEl.textContent = t.subtitle;
      this.newButton.lastChild.textContent = t.newConversation;
      this.newButton.setAttribute("aria-label", t.newConversationLabel);
      this.log.setAttribute("aria-label", t.conversation);
      this.input.setAttribute("aria-label", t.inputLabel);
      this.input.placeholder = t.placeholder;
      this.hint.textContent = t.inputHint;
      this.sendButton.setAttribute("aria-label", t.send);
      this.sendButton.title = t.send;
    }

    autosize() {
      this.input.style.height = "auto";
      this.input.style.height = `${Math.min(this.input.scrollHeight + 2, 200)}px`;
    }

    onInputKey(event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.send();
      }
    }

    // conversation state

    restore() {
      const saved = this.hasAttribute("no-storage") ? null : store.load(this.storageKey);
      this.messages = saved && Array.isArray(saved.messages) ? saved.messages : [];
      this.conversationId = saved ? saved.conversationId || null : null;
      this.renderAll();
    }

    persist() {
      if (this.hasAttribute("no-storage")) return;
      store.save(this.storageKey, {
        conversationId: this.conversationId,
        messages: this.messages.slice(-MAX_STORED_MESSAGES),
      });
    }

    newConversation() {
      if (this.abort) this.abort.abort();
      this.busy = false;
      this.messages = [];
      this.conversationId = null;
      store.remove(this.storageKey);
      this.closePassage(false);
      this.showNotice(null);
      this.renderAll();
      this.input.value = "";
      this.autosize();
      this.input.focus();
    }

    showNotice(text) {
      this.notice.textContent = text || "";
      this.notice.hidden = !text;
    }

    setBusy(busy) {
      this.busy = busy;
      this.log.setAttribute("aria-busy", busy ? "true" : "false");
      this.sendButton.disabled = busy;
      this.root.toggleAttribute("data-busy", busy);
    }

    // asking

    async send() {
      const question = this.input.value.trim();
      if (!question || this.busy) return;
      this.showNotice(null);
      this.input.value = "";
      this.autosize();
      this.input.focus();

      const userMessage = { role: "user", text: question };
      this.messages.push(userMessage);
      this.removeEmptyState();
      this.log.append(this.renderUser(userMessage));

      const pending = { role: "bot", question, answer: null, streamed: "", language: null };
      const node = this.renderWorking();
      this.log.append(node);
      this.scrollLog();
      this.setBusy(true);

      const controller = new AbortController();
      this.abort = controller;
      try {
        const response = await fetch(`${this.api}/api/chat/stream`, {
          method: "POST",
          headers: this.headers({ "Content-Type": "application/json", Accept: "text/event-stream" }),
          body: JSON.stringify({ question, conversation_id: this.conversationId }),
          signal: controller.signal,
        });
        if (!response.ok) throw await errorFrom(response, this.t);
        await readSSE(response, (event, data) => this.onStreamEvent(event, data, pending, node));
        if (!pending.answer) throw new WidgetError(this.t.failed + "no answer received");
        this.conversationId = pending.answer.conversation_id || this.conversationId;
        const message = { role: "bot", question, answer: pending.answer, feedback: null };
        this.messages.push(message);
        this.persist();
        node.replaceWith(this.renderBot(message));
      } catch (error) {
        if (controller.signal.aborted) return;
        const text = this.describeError(error);
        node.replaceWith(this.renderError(text));
        // the unanswered question stays visible but is not kept
        this.messages = this.messages.filter((m) => m !== userMessage);
      } finally {
        if (this.abort === controller) {
          this.abort = null;
          this.setBusy(false);
          this.scrollLog();
        }
      }
    }

    onStreamEvent(event, data, pending, node) {
      if (event === "start") {
        pending.language = data.language;
        if (data.conversation_id) this.conversationId = data.conversation_id;
        this.startStreaming(node, data);
      } else if (event === "token") {
        pending.streamed += data.text || "";
        const target = node.querySelector(".answer");
        if (target) target.textContent = pending.streamed;
        this.scrollLog(true);
      } else if (event === "done") {
        pending.answer = data;
      } else if (event === "error") {
        throw new WidgetError(this.t.failed + ((data && data.detail) || "stream error"));
      }
    }

    describeError(error) {
      if (error instanceof WidgetError) return error.message;
      if (error instanceof TypeError) {
        const apiOrigin = new URL(this.api, location.href).origin;
        if (apiOrigin !== location.origin) {
          console.error(`${TEXTS.nl.cors} / ${TEXTS.en.cors} — this page's origin `
            + `${location.origin} may not call ${apiOrigin}: add ${location.origin} to `
            + "VRAAGBAAK_CORS_ORIGINS on the Vraagbaak service.", error);
          return this.t.cors;
        }
        console.error(`Vraagbaak: cannot reach ${apiOrigin}`, error);
        return this.t.offline;
      }
      console.error("Vraagbaak:", error);
      return this.t.failed + String(error && error.message ? error.message : error);
    }

    scrollLog(onlyIfNearBottom = false) {
      const log = this.log;
      const near = log.scrollHeight - log.scrollTop - log.clientHeight < 120;
      if (!onlyIfNearBottom || near) log.scrollTop = log.scrollHeight;
    }

    // rendering messages

    renderAll() {
      if (!this.log) return;
      this.log.replaceChildren();
      if (!this.messages.length) {
        this.log.append(el("p", { class: "empty", text: this.t.empty }));
        return;
      }
      for (const message of this.messages) {
        this.log.append(message.role === "user" ? this.renderUser(message) : this.renderBot(message));
      }
      this.scrollLog();
    }

    removeEmptyState() {
      const empty = this.log.querySelector(".empty");
      if (empty) empty.remove();
    }

    renderUser(message) {
      const t = this.t;
      return el("div", { class: "msg user" },
        el("span", { class: "visually-hidden", text: `${t.you}: ` }), message.text);
    }

    renderWorking() {
      const t = this.t;
      return el("article", { class: "msg bot pending", "aria-label": t.title },
        el("div", { class: "working", role: "status" },
          el("span", { class: "spinner", "aria-hidden": "true" }), el("span", { text: t.working })));
    }

    /** The first event arrived: show the streaming text, with the answer's own language. */
    startStreaming(node, start) {
      const t = texts(start.language === "en" ? "en" : this.uiLang);
      node.replaceChildren();
      node.setAttribute("lang", start.language || this.uiLang);
      node.classList.toggle("refused", Boolean(start.refused));
      if (start.refused) node.append(this.renderRefusalTitle(t));
      node.append(el("p", { class: "answer" }));
    }

    renderRefusalTitle(t) {
      return el("h3", { class: "refusal-title" }, icon("search"), t.refusalTitle);
    }

    /** A finished answer: text with [n] markers, sources (or related passages), feedback. */
    renderBot(message) {
      const answer = message.answer;
      const lang = answer.language === "en" ? "en" : this.uiLang;
      const t = texts(lang);
      const node = el("article", {
        class: `msg bot${answer.refused ? " refused" : ""}`,
        lang,
        "aria-label": answer.refused ? t.refusalTitle : t.title,
      });
      if (answer.refused) node.append(this.renderRefusalTitle(t));
      if (answer.mode === "curated") node.append(this.renderChecked(answer, lang, t));
      const citations = answer.citations || [];
      node.append(this.renderAnswerText(answer.answer || "", citations, t));
      const standalone = (answer.standalone_question || "").trim();
      if (standalone && wordsOf(standalone) !== wordsOf(message.question)) {
        node.append(el("p", { class: "interpreted" }, t.interpretedAs, standalone));
      }
      if (citations.length) {
        node.append(this.renderSources(citations, t, t.sources, null, "cited"));
      }
      const related = answer.related || [];
      if (answer.refused && related.length) {
        node.append(this.renderSources(related, t, t.related, t.relatedHint, "related"));
      }
      node.append(this.renderFeedback(message, t));
      return node;
    }

    /** The mark of an answer a trainer checked, with the day they approved it. */
    renderChecked(answer, lang, t) {
      const day = formatDay(answer.checked_on, lang);
      return el("p", { class: "checked" }, icon("check"), day ? t.checkedOn(day) : t.checked);
    }

    /** Answer text with each [n] (or [1, 2]) turned into a button that opens citation n. */
    renderAnswerText(text, citations, t) {
      const p = el("p", { class: "answer" });
      const byNumber = new Map(citations.map((c) => [Number(c.n), c]));
      const pattern = /\[(\d+(?:\s*[,;]\s*\d+)*)\]/g;
      let last = 0;
      for (const match of text.matchAll(pattern)) {
        const numbers = match[1].split(/\s*[,;]\s*/).map(Number);
        if (!numbers.every((n) => byNumber.has(n))) continue;
        p.append(text.slice(last, match.index));
        for (const n of numbers) {
          const citation = byNumber.get(n);
          p.append(el("button", {
            type: "button", class: "cite", "data-n": n,
            "aria-label": t.cite(n, citation.title || citation.source || ""),
            title: [citation.title, placeOf(citation, t)].filter(Boolean).join(" — "),
            onclick: (event) => this.openPassage(citation, event.currentTarget, t),
          }, `[${n}]`));
        }
        last = match.index + match[0].length;
      }
      p.append(text.slice(last));
      return p;
    }

    /** A list of passages (the cited sources, or the related ones of a refusal). */
    renderSources(items, t, heading, hint, kind) {
      const list = el("ol");
      items.forEach((item, i) => {
        const n = item.n || i + 1;
        const place = placeOf(item, t);
        const quote = (item.quote || "").trim();
        list.append(el("li", {},
          el("button", {
            type: "button", class: "source", "data-chunk": item.chunk_id, "data-n": n,
            onclick: (event) => this.openPassage(item, event.currentTarget, t),
          },
          el("span", { class: "num", "aria-hidden": "true" }, kind === "cited" ? `[${n}]` : "•"),
          el("span", { class: "title" }, item.title || item.source || item.chunk_id),
          place ? el("span", { class: "meta" }, place) : null,
          item.ocr ? el("span", { class: "ocr", title: t.ocrNote }, "OCR") : null,
          quote ? el("span", { class: "quote" }, `“${quote}”`) : null)));
      });
      return el("section", { class: `sources ${kind}` },
        el("h4", {}, heading), hint ? el("p", { class: "hint" }, hint) : null, list);
    }

    renderError(text) {
      return el("article", { class: "msg bot error", role: "alert" }, el("p", {}, text));
    }

    // feedback

    renderFeedback(message, t) {
      const box = el("div", { class: "feedback" });
      if (message.feedback && message.feedback.sent) {
        box.append(el("p", { class: "thanks", role: "status" }, t.thanks));
        return box;
      }
      const thumbs = ["up", "down"].map((rating) => el("button", {
        type: "button", class: "thumb", "data-rating": rating, "aria-pressed": "false",
        "aria-label": rating === "up" ? t.up : t.down, title: rating === "up" ? t.up : t.down,
        onclick: () => choose(rating),
      }, icon(rating)));
      box.append(el("span", {}, t.feedbackQuestion), ...thumbs);

      let form = null;
      const choose = (rating) => {
        for (const b of thumbs) b.setAttribute("aria-pressed", String(b.dataset.rating === rating));
        if (!form) {
          form = this.renderFeedbackForm(message, t, box);
          box.append(form);
        }
        form.dataset.rating = rating;
        form.querySelector("textarea").focus();
      };
      return box;
    }

    renderFeedbackForm(message, t, box) {
      const id = `c${Math.random().toString(36).slice(2, 9)}`;
      const comment = el("textarea", { id, rows: "2", maxlength: "2000",
        placeholder: t.commentPlaceholder });
      const submit = el("button", { type: "submit", class: "primary" }, t.sendFeedback);
      const status = el("p", { class: "status", role: "status" });
      const form = el("form", { class: "feedback-form" },
        el("label", { for: id }, t.commentLabel), comment, submit, status);
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        submit.disabled = true;
        status.textContent = "";
        try {
          await this.sendFeedback(message, form.dataset.rating, comment.value.trim());
          message.feedback = { sent: true, rating: form.dataset.rating };
          this.persist();
          box.replaceChildren(el("p", { class: "thanks", role: "status" }, t.thanks));
        } catch (error) {
          status.textContent = error instanceof WidgetError ? error.message : t.feedbackFailed;
          submit.disabled = false;
        }
      });
      return form;
    }

    async sendFeedback(message, rating, comment) {
      const answer = message.answer || {};
      const passages = answer.refused ? answer.related || [] : answer.citations || [];
      const response = await fetch(`${this.api}/api/feedback`, {
        method: "POST",
        headers: this.headers({ "Content-Type": "application/json" }),
        body: JSON.stringify({
          rating,
          question: message.question,
          answer: (answer.answer || "").slice(0, 20000),
          comment,
          conversation_id: answer.conversation_id || this.conversationId,
          chunk_ids: [...new Set(passages.map((p) => p.chunk_id))].slice(0, MAX_CHUNK_IDS),
        }),
      });
      if (!response.ok) throw await errorFrom(response, this.t);
      return response.json();
    }

    // passage viewer

    async openPassage(citation, opener, t) {
      const request = ++this.passageRequest;
      this.markCurrent(opener);
      this.viewerOpener = opener;
      this.viewer.setAttribute("lang", this.langOf(opener));
      this.viewer.setAttribute("aria-label", t.passage);
      const close = el("button", { type: "button", class: "close", "aria-label": t.closePassage,
        title: t.closePassage, onclick: () => this.closePassage() }, icon("close"));
      const title = citation.title || citation.source || "";
      const heading = el("h3", { tabindex: "-1", title }, title);
      const meta = el("p", { class: "meta", title: placeOf(citation, t) }, placeOf(citation, t));
      const body = el("div", { class: "viewer-body" },
        el("p", { class: "status", role: "status" }, t.passageLoading));
      this.viewer.replaceChildren(
        el("div", { class: "viewer-head" },
          el("div", {}, el("p", { class: "label" }, t.passage), heading, meta), close),
        body);
      this.viewer.hidden = false;
      this.keepOpenerVisible(opener);
      heading.focus({ preventScroll: true });

      let passage;
      try {
        const response = await fetch(
          `${this.api}/api/passages/${encodeURIComponent(citation.chunk_id)}`,
          { headers: this.headers() });
        if (response.status === 404) throw new WidgetError(t.passageMissing);
        if (!response.ok) throw await errorFrom(response, t);
        passage = await response.json();
      } catch (error) {
        if (request !== this.passageRequest) return;
        body.replaceChildren(el("p", { class: "status", role: "alert" },
          error instanceof WidgetError ? error.message : this.describeError(error)));
        return;
      }
      if (request !== this.passageRequest) return; // a newer passage was asked for
      meta.textContent = placeOf(passage.section || passage.page ? passage : citation, t);
      meta.title = meta.textContent;
      const context = this.renderContext(passage, citation);
      body.replaceChildren(el("p", { class: "legend" }, t.passageLegend), context);
      const pages = this.renderPages(passage, citation, t);
      if (pages) {
        body.prepend(...pages, el("p", { class: "text-heading" }, t.textBelow));
        return;
      }
      const mark = context.querySelector("mark");
      if (mark) {
        // scroll inside the viewer only, never the host page
        const top = mark.offsetTop - body.clientHeight / 3;
        body.scrollTop = Math.max(0, top);
      }
    }

    /** On narrow screens the viewer covers the lower part: scroll the opener above it. */
    keepOpenerVisible(opener) {
      if (!opener || !this.log.contains(opener)) return;
      if (getComputedStyle(this.viewer).position !== "absolute") return;
      const log = this.log.getBoundingClientRect();
      const target = opener.getBoundingClientRect();
      const visibleBottom = this.viewer.getBoundingClientRect().top;
      if (target.top < log.top || target.bottom > visibleBottom) {
        this.log.scrollTop += target.top - log.top - 12;
      }
    }

    /** A PDF passage: its page(s) as pictures with the quote highlighted (fetched with the
     * widget's key, shown as data: URLs), and a link to the original file at that page. */
    renderPages(passage, citation, t) {
      const first = Number(passage.page);
      if (!/\.pdf$/i.test(String(passage.source || "")) || !first) return null;
      const last = Math.max(first, Number(passage.page_end) || first);
      const doc = encodeURIComponent(passage.doc_id);
      const query = new URLSearchParams({ chunk: passage.chunk_id });
      const start = Number(citation.start);
      const end = Number(citation.end);
      if (citation.quote && end > start) {
        query.set("start", String(start));
        query.set("end", String(end));
      }
      const title = passage.title || passage.source || "";
      const node = el("div", { class: "pages" });
      if (passage.ocr) node.append(el("p", {}, el("span", { class: "ocr" }, "OCR"), t.ocrNote));
      let scrolled = false;
      for (let n = first; n <= last; n++) {
        const img = el("img", { alt: t.pageAlt(n, title), "data-page": n });
        node.append(img);
        fetch(`${this.api}/api/documents/${doc}/pages/${n}.png?${query}`,
          { headers: this.headers() })
          .then(async (response) => {
            if (!response.ok) { img.remove(); return; }
            const top = parseFloat(response.headers.get("X-Highlight-Top") || "");
            const blob = await response.blob();
            const reader = new FileReader();
            reader.onload = () => {
              img.src = String(reader.result);
              if (Number.isNaN(top) || scrolled) return;
              scrolled = true; // the quote's first mark a third down the viewer
              img.decode().then(() => {
                const body = img.closest(".viewer-body");
                if (body) body.scrollTop = Math.max(0, img.offsetTop + top * img.height
                  - body.clientHeight / 3);
              }).catch(() => {});
            };
            reader.readAsDataURL(blob);
          })
          .catch(() => img.remove());
      }
      const fileUrl = `${this.api}/api/documents/${doc}/file`;
      node.append(el("a", { class: "original", target: "_blank", rel: "noopener",
        href: `${fileUrl}#page=${first}`,
        // a link cannot send the api-key: with one, fetch the file and open it from memory
        onclick: (event) => {
          if (!(this.getAttribute("api-key") || "").trim()) return;
          event.preventDefault();
          const opened = window.open("", "_blank");
          fetch(fileUrl, { headers: this.headers() })
            .then((response) => (response.ok ? response.blob() : Promise.reject()))
            .then((blob) => {
              if (opened) opened.location.href = `${URL.createObjectURL(blob)}#page=${first}`;
            })
            .catch(() => { if (opened) opened.close(); });
        } }, t.openOriginal(first)));
      return [el("p", { class: "legend" }, t.pageLegend), node];
    }

    /** The passage in its surrounding context, the quoted sentence in a <mark>. */
    renderContext(passage, citation) {
      const ctx = passage.context || { text: passage.text || "", passage_start: 0,
        passage_end: (passage.text || "").length };
      const text = String(ctx.text || "");
      const pStart = clamp(Number(ctx.passage_start) || 0, 0, text.length);
      const pEnd = clamp(Number(ctx.passage_end) || text.length, pStart, text.length);
      let [qStart, qEnd] = quoteSpan(text, pStart, pEnd, citation);

      const node = el("div", { class: "context" });
      const around = (a, b) => (b > a ? el("span", { class: "around" }, text.slice(a, b)) : null);
      const passageSpan = el("span", { class: "passage" });
      if (qEnd > qStart) {
        passageSpan.append(text.slice(pStart, qStart),
          el("mark", {}, text.slice(qStart, qEnd)), text.slice(qEnd, pEnd));
      } else {
        passageSpan.append(text.slice(pStart, pEnd));
      }
      node.append(...[around(0, pStart), passageSpan, around(pEnd, text.length)].filter(Boolean));
      return node;
    }

    langOf(node) {
      const owner = node && node.closest ? node.closest("[lang]") : null;
      return owner ? owner.getAttribute("lang") : this.uiLang;
    }

    markCurrent(opener) {
      for (const b of this.shadowRoot.querySelectorAll('[aria-current="true"]')) {
        b.removeAttribute("aria-current");
      }
      if (opener) opener.setAttribute("aria-current", "true");
    }

    closePassage(returnFocus = true) {
      this.passageRequest++;
      this.viewer.hidden = true;
      this.viewer.replaceChildren();
      this.markCurrent(null);
      const opener = this.viewerOpener;
      this.viewerOpener = null;
      if (returnFocus && opener && opener.isConnected) opener.focus();
    }
  }

  /** A question's words, to tell a rewritten question that says more from a mere echo. */
  function wordsOf(text) {
    return (String(text).toLowerCase().match(/[\p{L}\p{N}]+/gu) || []).join(" ");
  }

  /** "2026-12-07" as "7 december 2026" / "7 December 2026"; "" when it isn't a date. */
  function formatDay(iso, lang) {
    const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(iso || ""));
    if (!match) return "";
    const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
    try {
      return new Intl.DateTimeFormat(lang === "en" ? "en-GB" : "nl-NL",
        { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" }).format(date);
    } catch (_) {
      return iso;
    }
  }

  function clamp(value, low, high) {
    return Math.min(Math.max(value, low), high);
  }

  /**
   * Where the quote sits in the context text: at passage_start + start … + end when that
   * matches the quote, otherwise wherever the quote is found (inside the passage first).
   */
  function quoteSpan(text, pStart, pEnd, citation) {
    const quote = String(citation.quote || "");
    const start = Number(citation.start);
    const end = Number(citation.end);
    if (Number.isFinite(start) && Number.isFinite(end) && end > start) {
      const a = clamp(pStart + start, pStart, pEnd);
      const b = clamp(pStart + end, a, pEnd);
      if (!quote || text.slice(a, b) === quote) return [a, b];
    }
    if (quote) {
      let at = text.indexOf(quote, pStart);
      if (at === -1 || at >= pEnd) at = text.indexOf(quote);
      if (at !== -1) return [at, at + quote.length];
      if (Number.isFinite(start) && Number.isFinite(end) && end > start) {
        const a = clamp(pStart + start, pStart, pEnd);
        return [a, clamp(pStart + end, a, pEnd)];
      }
    }
    return [0, 0];
  }

  customElements.define(TAG, VraagbaakChat);
})();
