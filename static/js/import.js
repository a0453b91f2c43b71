// The import page (templates/dashboard/import.html).
(function () {
  // Large files: show the upload's progress, then that the server is checking the file.
  document.getElementById("upload").addEventListener("submit", function (event) {
    if (!window.XMLHttpRequest || !window.FormData) return;
    event.preventDefault();
    var form = event.target, bar = document.getElementById("progress");
    var text = document.getElementById("progress-text");
    // form.action would be the input named "action": read the attribute.
    var target = form.getAttribute("action") || location.href;
    var xhr = new XMLHttpRequest();
    bar.hidden = false;
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) {
        bar.value = Math.round(100 * e.loaded / e.total);
        text.textContent = form.dataset.uploading + " " + bar.value + "%";
      }
    });
    xhr.upload.addEventListener("load", function () {
      bar.removeAttribute("value");
      text.textContent = form.dataset.checking;
    });
    xhr.addEventListener("load", function () {
      // A large file went to the background worker: open its progress page.
      if (xhr.responseURL && xhr.responseURL.indexOf("/tugas/") !== -1) {
        location.assign(xhr.responseURL);
        return;
      }
      document.open(); document.write(xhr.responseText); document.close();
      history.replaceState(null, "", target);
    });
    xhr.open("POST", target);
    xhr.send(new FormData(form));
  });
  function toggleDpa() {
    var isDpa = document.querySelector("[name=jenis]").value === "dpa";
    document.querySelectorAll(".dpa-only").forEach(function (el) { el.hidden = !isDpa; });
  }
  document.querySelector("[name=jenis]").addEventListener("change", toggleDpa);
  toggleDpa();
})();
