// The live views' connection state: blazor.web.js puts a class on #components-reconnect-modal and tells of each change;
// the page mirrors it on <html data-live-connection="..."> so the live regions can show they are stale. No inline script:
// the Content-Security-Policy allows scripts from this app's own files only.
(() => {
  const display = document.getElementById("components-reconnect-modal");
  if (!display) return;
  display.addEventListener("components-reconnect-state-changed", event => {
    document.documentElement.dataset.liveConnection = event.detail.state;
  });
  display.addEventListener("click", async event => {
    if (event.target.id === "reconnect-retry") {
      event.preventDefault();
      if (!(await window.Blazor?.reconnect())) location.reload();
    } else if (event.target.id === "reconnect-reload") {
      event.preventDefault();
      location.reload();
    }
  });
})();
