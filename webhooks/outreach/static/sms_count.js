/* The SMS length of the alert form's texts, as the bot counts it (core/sms_length.py, which
   this mirrors: GSM-7 when every character is in the GSM alphabet, otherwise UCS-2; 160/153 or
   70/67 code units per segment). The browser test compares the two on a table of texts.

   Each <output data-sms-for="NAME" data-format="… %(segments)s … %(units)s … %(limit)s …">
   shows the count of the field NAME, formatted in the page's language by the server's words. */
(function () {
  "use strict";
  var BASIC = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  var EXTENDED = "^{}\\[~]|€\f";

  function count(text) {
    var gsm = true;
    var septets = 0;
    for (var ch of text) { /* by code point, as Python iterates a str */
      if (BASIC.indexOf(ch) >= 0) {
        septets += 1;
      } else if (EXTENDED.indexOf(ch) >= 0) {
        septets += 2;
      } else {
        gsm = false;
        break;
      }
    }
    var units = gsm ? septets : text.length; /* a JS string's length is its UTF-16 units */
    var single = gsm ? 160 : 70;
    var part = gsm ? 153 : 67;
    var segments = units <= single ? 1 : Math.ceil(units / part);
    return { encoding: gsm ? "GSM-7" : "UCS-2", units: units, limit: single, segments: segments };
  }

  function show(output, field) {
    /* what the server receives: a textarea's line breaks are sent as CRLF, which the server
       makes LF again, as a textarea's value has them */
    var found = count(field.value);
    output.textContent = output.getAttribute("data-format")
      .replace("%(segments)s", String(found.segments))
      .replace("%(units)s", String(found.units))
      .replace("%(limit)s", String(found.limit));
    output.classList.toggle("over", found.segments > Number(output.getAttribute("data-max") || 1));
  }

  function scopeSelects(form) {
    var kind = form.querySelector("select[name=scope_kind]");
    if (!kind) { return; }
    function update() {
      ["province", "district", "service"].forEach(function (name) {
        var box = form.querySelector("[data-scope=" + name + "]");
        if (box) { box.hidden = kind.value !== name; }
      });
    }
    kind.addEventListener("change", update);
    update();
  }

  window.sangkhimSms = { count: count };
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("output[data-sms-for]").forEach(function (output) {
      var field = document.getElementById(output.getAttribute("data-sms-for"));
      if (!field) { return; }
      field.addEventListener("input", function () { show(output, field); });
      show(output, field);
    });
    document.querySelectorAll("form[data-alert-form]").forEach(scopeSelects);
  });
}());
