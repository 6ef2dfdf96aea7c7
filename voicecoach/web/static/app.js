// voicecoach web: upload by drag and drop, record in the browser (MediaRecorder), poll a job.
// Plain JavaScript, no build step; every request carries the page's CSRF token.
(function () {
  "use strict";

  function send(box, blob, name) {
    var fd = new FormData();
    fd.append("csrf", box.dataset.csrf);
    if (box.dataset.script) fd.append("script_id", box.dataset.script);
    fd.append("file", blob, name);
    var err = document.getElementById("upload-error");
    err.hidden = true;
    return fetch("/takes", { method: "POST", body: fd, credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRF-Token": box.dataset.csrf } })
      .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, body: j }; }); })
      .then(function (res) {
        if (res.ok && res.body.url) { window.location.assign(res.body.url); return; }
        err.textContent = res.body.error || box.dataset.msgFailed;
        err.hidden = false;
      })
      .catch(function () { err.textContent = box.dataset.msgOffline; err.hidden = false; });
  }

  function capture(box) {
    var form = document.getElementById("upload-form");
    var drop = document.getElementById("drop");
    var input = document.getElementById("file");
    form.addEventListener("submit", function (e) {
      if (!input.files.length) return;
      e.preventDefault();
      send(box, input.files[0], input.files[0].name);
    });
    ["dragenter", "dragover"].forEach(function (ev) {
      drop.addEventListener(ev, function (e) { e.preventDefault(); drop.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (ev) {
      drop.addEventListener(ev, function (e) { e.preventDefault(); drop.classList.remove("over"); });
    });
    drop.addEventListener("drop", function (e) {
      if (e.dataTransfer && e.dataTransfer.files.length) send(box, e.dataTransfer.files[0], e.dataTransfer.files[0].name);
    });

    var start = document.getElementById("rec-start"), stop = document.getElementById("rec-stop");
    var state = document.getElementById("rec-state");
    var rec = null, chunks = [];
    start.addEventListener("click", function () {
      if (!navigator.mediaDevices || !window.MediaRecorder) { state.textContent = box.dataset.msgNomic; return; }
      navigator.mediaDevices.getUserMedia({ audio: true }).then(function (stream) {
        chunks = [];
        var type = MediaRecorder.isTypeSupported("audio/webm;codecs=opus") ? "audio/webm;codecs=opus" : "";
        rec = new MediaRecorder(stream, type ? { mimeType: type } : undefined);
        rec.ondataavailable = function (e) { if (e.data.size) chunks.push(e.data); };
        rec.onstop = function () {
          stream.getTracks().forEach(function (t) { t.stop(); });
          var blob = new Blob(chunks, { type: rec.mimeType || "audio/webm" });
          send(box, blob, "recording.webm");
        };
        rec.start(1000);
        start.disabled = true; stop.disabled = false;
        state.textContent = box.dataset.msgRecording;
      }).catch(function () { state.textContent = box.dataset.msgNomic; });
    });
    stop.addEventListener("click", function () {
      if (rec && rec.state !== "inactive") rec.stop();
      stop.disabled = true; start.disabled = false; state.textContent = "";
    });
  }

  function poll(job) {
    var id = job.dataset.take;
    function tick() {
      fetch("/takes/" + id + "/status", { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (s) {
          job.dataset.status = s.status;
          document.getElementById("job-status").textContent = job.dataset["msg" + s.status.charAt(0).toUpperCase() + s.status.slice(1)] || s.status;
          document.getElementById("job-stage").textContent = s.stage || "";
          if (s.status === "done" || s.status === "failed") { window.location.reload(); return; }
          setTimeout(tick, 1000);
        })
        .catch(function () { setTimeout(tick, 3000); });
    }
    tick();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("capture");
    if (box) capture(box);
    var job = document.getElementById("job");
    if (job && (job.dataset.status === "queued" || job.dataset.status === "running")) poll(job);
  });
})();
