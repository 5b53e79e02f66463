/* Search (progressive enhancement): runs the Pagefind index shipped with the site, entirely in the
   browser. Needs the site served over http(s) (browsers block module imports from file://); the
   page lists other ways to find things otherwise. No inline script, no third-party code. */
(function () {
  "use strict";
  const form = document.querySelector("form.search-form");
  if (!form) return;
  const input = form.querySelector("input[name=q]");
  const status = document.getElementById("search-status");
  const list = document.getElementById("search-results");
  const root = new URL(form.dataset.root.replace(/index\.html$/, ""), document.baseURI);
  let pagefind = null;

  /* A large site's index comes in parts (pagefind/parts.json lists the ones after the first):
     each is merged into the search, which then finds pages in any of them. Loaded once, even
     when a second search starts before the first has loaded it. */
  const load = () => {
    if (!pagefind) {
      pagefind = (async () => {
        const bundle = new URL(form.dataset.pagefind, document.baseURI);
        const pf = await import(bundle.href);
        await pf.options({ baseUrl: "/" });
        const parts = await (await fetch(new URL("parts.json", bundle))).json();
        for (const part of parts) await pf.mergeIndex(new URL(part + "/", bundle).href, { baseUrl: "/" });
        return pf;
      })();
    }
    return pagefind;
  };

  const text = (html) => new DOMParser().parseFromString(html, "text/html").body.textContent || "";

  const run = async (query) => {
    list.replaceChildren();
    if (!query.trim()) {
      status.textContent = "Type a word to search for, such as a ward or a topic.";
      return;
    }
    status.textContent = "Searching…";
    try {
      const pf = await load();
      const search = await pf.search(query);
      const results = await Promise.all(search.results.slice(0, 25).map((r) => r.data()));
      for (const r of results) {
        const item = document.createElement("li");
        const link = document.createElement("a");
        link.href = new URL(r.url.replace(/^\//, ""), root).href;
        link.textContent = (r.meta && r.meta.title) || r.url;
        const excerpt = document.createElement("p");
        excerpt.textContent = text(r.excerpt);
        item.append(link, excerpt);
        list.append(item);
      }
      const n = search.results.length;
      status.textContent = n === 0 ? `No pages match “${query}”.`
        : `${n} page${n === 1 ? "" : "s"} match “${query}”${n > 25 ? " (first 25 shown)" : ""}.`;
    } catch (error) {
      status.textContent = "Search is not available here: it needs the site opened from a web server. Use the links below instead.";
    }
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const query = input.value;
    history.replaceState(null, "", "?q=" + encodeURIComponent(query));
    run(query);
  });
  const initial = new URLSearchParams(location.search).get("q");
  if (initial) {
    input.value = initial;
    run(initial);
  }
})();
