// The report's paragraph opens in place: a <details class="cite"> fetches its text the first time it
// is opened. Without JavaScript the link inside still leads to the paragraph's own page.
(function () {
  "use strict";

  function load(details) {
    var target = details.querySelector(".cite-text");
    var url = details.getAttribute("data-src");
    if (!target || !url || details.getAttribute("data-loaded")) {
      return;
    }
    details.setAttribute("data-loaded", "loading");
    fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.text();
      })
      .then(function (html) {
        target.innerHTML = html;
        details.setAttribute("data-loaded", "yes");
      })
      .catch(function () {
        details.removeAttribute("data-loaded");
      });
  }

  document.addEventListener(
    "toggle",
    function (event) {
      var details = event.target;
      if (details.matches && details.matches("details.cite") && details.open) {
        load(details);
      }
    },
    true
  );
})();
