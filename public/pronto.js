/*! Pronto chat loader. Paste <script src="https://YOUR-PRONTO-SERVER/pronto.js" data-site="YOUR-SITE" async></script> */
// Creates <pronto-chat> with a shadow root (no iframe: nothing of the page leaks in or out),
// puts the widget's stylesheet and a launcher button of its own in it, and fetches the
// WebAssembly widget only once the page has loaded: when the visitor reaches for the launcher
// (hover, focus, press) or when the browser is idle — never on idle when the visitor's browser
// asks to save data. The widget then mounts beside the placeholder launcher and replaces it.
// Asset names are fingerprinted; `cargo xtask build` writes them in place of the placeholder.
(function () {
  "use strict";
  var TAG = "pronto-chat";
  // A tag manager may inject the script twice; one widget is enough.
  if (document.querySelector(TAG)) return;
  var script =
    document.currentScript || document.querySelector('script[src*="pronto.js"][data-site]');
  if (!script) return;
  var assets = "__PRONTO_ASSETS__";
  var base = new URL(".", script.src);
  var url = function (path) {
    return new URL(path, base).href;
  };
  var attribute = function (name) {
    return script.getAttribute(name) || undefined;
  };
  var host = document.createElement(TAG);
  // Script-tag options the stylesheet reads off the host element.
  ["data-position", "data-theme"].forEach(function (name) {
    if (attribute(name)) host.setAttribute(name, attribute(name));
  });
  if (attribute("data-accent")) host.style.setProperty("--pronto-accent", attribute("data-accent"));
  var shadow = host.attachShadow({ mode: "open" });
  var css = document.createElement("link");
  css.rel = "stylesheet";
  css.href = url(assets.css);
  shadow.appendChild(css);
  var root = document.createElement("div");
  root.className = "pronto-root";
  shadow.appendChild(root);

  // The placeholder launcher: the same look as the widget's, labelled in the widget's language.
  var lang = (attribute("data-lang") || (navigator.languages || [navigator.language])[0] || "")
    .slice(0, 2)
    .toLowerCase();
  var launcher = document.createElement("button");
  launcher.type = "button";
  launcher.className = "pronto-launcher";
  launcher.setAttribute("part", "launcher");
  launcher.setAttribute("data-pronto-placeholder", "");
  launcher.setAttribute("aria-label", lang == "en" ? "Open chat" : "Abrir chat");
  launcher.innerHTML =
    '<span class="pronto-launcher-icon pronto-launcher-icon--chat" aria-hidden="true"><svg viewBox="0 0 24 24" focusable="false"><path fill="currentColor" d="M12 3C6.9 3 3 6.6 3 11c0 2.1.9 4 2.4 5.5-.2 1.4-.8 2.8-1.8 3.8-.2.2 0 .6.3.6 2 0 3.8-.7 5.1-1.7 1 .3 2 .4 3 .4 5.1 0 9-3.6 9-8.5S17.1 3 12 3Zm-4 9.5a1.3 1.3 0 1 1 0-2.6 1.3 1.3 0 0 1 0 2.6Zm4 0a1.3 1.3 0 1 1 0-2.6 1.3 1.3 0 0 1 0 2.6Zm4 0a1.3 1.3 0 1 1 0-2.6 1.3 1.3 0 0 1 0 2.6Z"></path></svg></span>';
  root.appendChild(launcher);
  var attach = function () {
    document.body.appendChild(host);
  };
  if (document.body) attach();
  else document.addEventListener("DOMContentLoaded", attach);

  // The page's API, `Pronto(command, …)`, usable before anything has loaded: calls queued in
  // `Pronto.q` by the page's stub (see the README) are taken in order, and commands for the
  // widget wait in `pending` until it has mounted.
  var listeners = {};
  var pending = [];
  var widget;
  var emit = function (name, detail) {
    (listeners[name] || []).forEach(function (listener) {
      try {
        listener(detail);
      } catch (error) {
        console.error(error);
      }
    });
    host.dispatchEvent(new CustomEvent("pronto:" + name, { detail: detail, bubbles: true }));
  };
  var run = function (call) {
    try {
      widget.command(call[0], call[1], call[2]);
    } catch (error) {
      console.error("Pronto: " + error.message);
    }
  };
  var api = function (command, argument, listener) {
    if (command == "on" || command == "off") {
      var list = (listeners[argument] = (listeners[argument] || []).filter(function (known) {
        return known != listener;
      }));
      if (command == "on" && typeof listener == "function") {
        list.push(listener);
        // Ready already: the widget is there.
        if (argument == "ready" && widget) listener();
      }
      return;
    }
    // Opening moves focus into the chat only when the visitor's own click or key press asked.
    var call = [command, argument, !!(navigator.userActivation && navigator.userActivation.isActive)];
    if (widget) return run(call);
    pending.push(call);
    if (command == "open" || command == "toggle") loaded(start)();
  };
  // Set once the visitor presses the placeholder: the widget then mounts with its panel open.
  var pressed = false;
  // `data-open`: the page wants the chat open from the start, so it loads as soon as it may.
  var startOpen = script.hasAttribute("data-open");
  var started = false;
  var start = function () {
    if (started) return;
    started = true;
    import(url(assets.js))
      .then(function (module) {
        return module.default({ module_or_path: url(assets.wasm) }).then(function () {
          var focused = shadow.activeElement == launcher;
          widget = module.mount(
            root,
            {
              server: base.origin,
              // The page the shopper is on, for the shop's agents (a socket sends no Referer):
              // its address without query or fragment, which may hold tokens or e-mails.
              page: encodeURIComponent((location.origin + location.pathname).slice(0, 500)),
              site: attribute("data-site"),
              lang: attribute("data-lang"),
              user_id: attribute("data-user-id"),
              user_hash: attribute("data-user-hash"),
              open: pressed ? "visitor" : startOpen ? "page" : undefined
            },
            emit
          );
          launcher.remove();
          // Keep the keyboard where it was; opening moves focus into the panel itself.
          var own = root.querySelector(".pronto-launcher");
          if (focused && !pressed && own) own.focus();
          pending.splice(0).forEach(run);
          emit("ready");
        });
      })
      .catch(function (error) {
        console.error("Pronto: the chat widget could not load", error);
      });
  };
  // Nothing is fetched before the page's own `load` event.
  var loaded = function (then) {
    return function () {
      if (document.readyState == "complete") then();
      else window.addEventListener("load", then);
    };
  };
  launcher.addEventListener("click", function () {
    pressed = true;
    launcher.setAttribute("aria-busy", "true");
    loaded(start)();
  });
  ["pointerenter", "focus", "touchstart"].forEach(function (name) {
    launcher.addEventListener(name, loaded(start), { passive: true });
  });
  loaded(function () {
    if (startOpen) return start();
    var connection = navigator.connection;
    if (connection && connection.saveData) return;
    (window.requestIdleCallback || setTimeout)(start);
  })();
  var queued = (window.Pronto && window.Pronto.q) || [];
  window.Pronto = api;
  for (var i = 0; i < queued.length; i++) api.apply(null, queued[i]);
})();
