// The review page's keyboard shortcuts (the letters of `shelfmatch review`) and confirmations.
// Everything works without this file: these are shortcuts to the page's own buttons and links.
(function () {
  "use strict";

  function typing(target) {
    var tag = (target && target.tagName) || "";
    return tag === "TEXTAREA" || tag === "SELECT" || (tag === "INPUT" && target.type !== "checkbox");
  }

  function press(id) {
    var button = document.getElementById(id);
    if (button && !button.disabled) {
      button.form.requestSubmit(button);
      return true;
    }
    return false;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) {
      return;
    }
    if (!document.getElementById("decide")) {
      return;
    }
    var key = event.key.toLowerCase();
    var done = false;
    if (key === "a") {
      done = press("approve");
    } else if (key === "s") {
      done = press("skip");
    } else if (key === "r") {
      done = press("reject");
    } else if (key === "m") {
      var first = document.querySelector("#candidates a");
      if (first) {
        first.focus();
        document.getElementById("candidates").scrollIntoView();
        done = true;
      }
    } else if (key === "e") {
      var input = document.getElementById("enter-key");
      if (input) {
        input.focus();
        done = true;
      }
    } else if (key === "q") {
      var back = document.querySelector("main a");
      if (back) {
        window.location.href = back.href;
        done = true;
      }
    }
    if (done) {
      event.preventDefault();
    }
  });

  // A cover the browser cannot show (an odd file in ABS) becomes the placeholder.
  function fallback(img) {
    var placeholder = img.getAttribute("data-fallback");
    if (placeholder && img.getAttribute("src") !== placeholder) {
      img.setAttribute("src", placeholder);
    }
  }
  Array.prototype.forEach.call(document.querySelectorAll("img[data-fallback]"), function (img) {
    img.addEventListener("error", function () { fallback(img); });
    if (img.complete && img.naturalWidth === 0) {
      fallback(img);
    }
  });

  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });
})();
