// Live refresh: an element with data-live="<seconds>" is fetched again from the same URL and swapped in place.
// Without JavaScript the page is the same, only not refreshed.
(() => {
  const live = document.querySelector("[data-live]");
  if (!live) return;
  const seconds = Math.max(2, Number(live.dataset.live) || 10);
  const refresh = async () => {
    if (document.hidden || live.contains(document.activeElement) && document.activeElement !== document.body) return;
    try {
      const response = await fetch(location.href, { headers: { "X-Live-Refresh": "1" }, credentials: "same-origin" });
      if (response.redirected || !response.ok) return;
      const next = new DOMParser().parseFromString(await response.text(), "text/html").querySelector("[data-live]");
      if (next) live.replaceChildren(...next.childNodes);
    } catch { /* offline for a moment: try again next tick */ }
  };
  setInterval(refresh, seconds * 1000);
})();
