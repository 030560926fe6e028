// The workbook apps' page script: see workbook/apps/page.py for what it does and why.
(function () {
  if (window.__workbookPage) { return; }
  window.__workbookPage = true;
  var MAX = 200000, KEY = "workbook.user", skipped = false;
  function config() {
    var el = document.getElementById("jupyter-config-data");
    try { return JSON.parse(el ? el.textContent : "{}"); } catch (e) { return {}; }
  }
  function tick() {
    var state = document.querySelector(".wb-url-state [data-query]");
    if (state) {
      var q = state.getAttribute("data-query");
      var want = q ? "?" + q : "";
      if (window.location.search !== want) {
        window.history.replaceState(null, "", window.location.pathname + want);
      }
    }
    var boxes = document.querySelectorAll(
      "textarea:not([maxlength]), input[type=text]:not([maxlength])");
    for (var i = 0; i < boxes.length; i++) { boxes[i].setAttribute("maxlength", String(MAX)); }
    // an empty name box takes the name this browser remembers, on every tick, so a box
    // drawn again (or emptied by a late update from the kernel) gets it back; a person who
    // empties the box also empties what is remembered, so this never fights them
    var name = document.querySelector(".wb-user input");
    if (name && !name.value) {
      var saved = null;
      try { saved = window.localStorage.getItem(KEY); } catch (e) {}
      if (saved) {
        name.value = saved;
        name.dispatchEvent(new Event("input", {bubbles: true}));
        name.dispatchEvent(new Event("change", {bubbles: true}));
      }
    }
    announce();
  }
  window.setInterval(tick, 200);
  // The name is remembered from the first key: one listener on the document, there before
  // the box is drawn, so a name typed before the next tick is not lost.
  document.addEventListener("input", function (e) {
    var el = e.target;
    if (el && el.matches && el.matches(".wb-user input")) {
      try { window.localStorage.setItem(KEY, el.value); } catch (err) {}
    }
  }, true);

  // Save results show beside the button pressed, in slots that are polite live regions
  // (screen readers read what lands there); a new conflict or error, or a result out of
  // sight, is scrolled into view once.
  function announce() {
    var slots = document.querySelectorAll(".wb-msg-slot");
    for (var i = 0; i < slots.length; i++) {
      var slot = slots[i];
      if (!slot.hasAttribute("aria-live")) {
        slot.setAttribute("aria-live", "polite");
        slot.setAttribute("aria-atomic", "true");
      }
      var msg = slot.querySelector(".wb-messages");
      var text = msg ? msg.innerText.trim() : "";
      if (!msg || !text || msg.dataset.wbSeen === text) { continue; }
      msg.dataset.wbSeen = text;
      var r = msg.getBoundingClientRect(), h = window.innerHeight;
      var urgent = msg.querySelector(".wb-msg-conflict, .wb-msg-error");
      if (urgent || r.top < 0 || r.top > h - 40) {
        msg.scrollIntoView({block: urgent ? "start" : "nearest"});
      }
    }
  }

  // "Print / PDF" (an element with class wb-print): the browser's own print dialog, with
  // the print stylesheet (workbook/apps/page.py) laying the whole app out on paper.
  document.addEventListener("click", function (e) {
    var el = e.target && e.target.closest ? e.target.closest(".wb-print") : null;
    if (el) { e.preventDefault(); window.print(); }
  });

  // Workbook pages: choosing in the picker opens the page for the choice at once (the
  // form also works without this script, with its Show button). A new region drops the
  // district and the other kept values; empty fields stay out of the address.
  document.addEventListener("change", function (e) {
    var el = e.target, form = el && el.closest ? el.closest("form.wb-picker") : null;
    if (!form) { return; }
    var fields = form.querySelectorAll("select, input");
    for (var i = 0; i < fields.length; i++) {
      var f = fields[i];
      if (el.name === "region" && f !== el && (f.name === "district_id" || f.type === "hidden")) {
        f.value = "";
      }
      if (!f.value) { f.disabled = true; }
    }
    form.submit();
  });

  // A button press must not overtake the last keystrokes. ipywidgets sends one state
  // update per widget at a time and holds later ones until the kernel answers, but a
  // button's click goes at once; so "type, then Save" could save the text as it was a
  // moment before. Hold the click until no widget holds an unsent change (at most 5 s).
  function models() {
    var app = window.jupyterapp, m = app && app.widgetManager;
    var all = m && m._models ? m._models : {};
    var list = all instanceof Map ? Array.from(all.values()) : Object.values(all);
    return Promise.all(list.map(function (p) {
      return Promise.resolve(p).catch(function () { return null; });
    }));
  }
  function holding() {
    return models().then(function (ms) {
      return ms.some(function (x) { return x && x._msg_buffer; });
    });
  }
  document.addEventListener("click", function (e) {
    var b = e.target && e.target.closest ? e.target.closest(".wb-app button") : null;
    if (!b) { return; }
    if (b.dataset.wbFlushed === "1") { delete b.dataset.wbFlushed; return; }
    e.stopImmediatePropagation();
    e.preventDefault();
    var start = Date.now();
    (function wait() {
      holding().then(function (busy) {
        if (busy && Date.now() - start < 5000) { window.setTimeout(wait, 25); return; }
        b.dataset.wbFlushed = "1";
        b.click();
      });
    })();
  }, true);
  window.addEventListener("beforeunload", function (e) {
    if (document.querySelector(".wb-dirty")) {
      skipped = true;
      e.stopImmediatePropagation();
      e.preventDefault();
      e.returnValue = "You have unsaved changes.";
      return e.returnValue;
    }
    skipped = false;
  }, true);
  window.addEventListener("pagehide", function () {
    if (!skipped) { return; }
    var c = config();
    if (c.kernelId && navigator.sendBeacon) {
      navigator.sendBeacon((c.baseUrl || "/") + "voila/api/shutdown/" + c.kernelId);
    }
  });
})();
