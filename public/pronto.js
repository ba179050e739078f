/*! Pronto chat loader. Paste <script src="https://YOUR-PRONTO-SERVER/pronto.js" data-site="YOUR-SITE" async></script> */
// Creates <pronto-chat> with a shadow root (no iframe: nothing of the page leaks in or out),
// puts the widget's stylesheet in it, then loads the WebAssembly widget and mounts it there.
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
  var host = document.createElement(TAG);
  var shadow = host.attachShadow({ mode: "open" });
  var css = document.createElement("link");
  css.rel = "stylesheet";
  css.href = url(assets.css);
  shadow.appendChild(css);
  var root = document.createElement("div");
  root.className = "pronto-root";
  shadow.appendChild(root);
  var attach = function () {
    document.body.appendChild(host);
  };
  if (document.body) attach();
  else document.addEventListener("DOMContentLoaded", attach);
  import(url(assets.js))
    .then(function (widget) {
      return widget.default({ module_or_path: url(assets.wasm) }).then(function () {
        var attribute = function (name) {
          return script.getAttribute(name) || undefined;
        };
        widget.mount(
          root,
          base.origin,
          attribute("data-site") || "",
          attribute("data-lang"),
          attribute("data-user-id"),
          attribute("data-user-hash")
        );
      });
    })
    .catch(function (error) {
      console.error("Pronto: the chat widget could not load", error);
    });
})();
