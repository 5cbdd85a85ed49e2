/* The session page's player: chapters, captions, the play head, keys and the lock
   screen (Media Session), all driven by the audio element's own clock. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("session-data").textContent);
  var audio = document.getElementById("audio");
  var chapters = data.chapters;
  var captions = data.captions;
  var byId = function (id) { return document.getElementById(id); };
  var play = byId("play"), back = byId("back"), next = byId("next");
  var position = byId("position"), clock = byId("clock");
  var now = byId("now"), caption = byId("caption");
  var picture = byId("timeline"), playhead = byId("playhead");
  var buttons = Array.prototype.slice.call(document.querySelectorAll("#chapters .chapter"));
  var session = "mediaSession" in navigator ? navigator.mediaSession : null;
  var shownChapter = -2, shownCaption = null, dragging = false, frame = 0;
  var RESTART = 3; /* seconds into a chapter after which Back restarts it */

  document.body.classList.add("scripted");
  audio.controls = false;

  /* m:ss as the page's text writes it: a position counts whole seconds gone, a length
     is rounded (as the summary above it). */
  function clockText(seconds, rounded) {
    var whole = Math.max(0, rounded ? Math.round(seconds) : Math.floor(seconds + 1e-6));
    var h = Math.floor(whole / 3600), m = Math.floor(whole / 60) % 60, s = whole % 60;
    var mm = h ? (m < 10 ? "0" : "") + m : String(m);
    return (h ? h + ":" : "") + mm + ":" + (s < 10 ? "0" : "") + s;
  }

  /* The last entry starting at or before t (-1 if none), by bisection. */
  function lastStarted(list, t) {
    var lo = 0, hi = list.length;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (list[mid].start <= t) { lo = mid + 1; } else { hi = mid; }
    }
    return lo - 1;
  }

  function chapterAt(t) { return lastStarted(chapters, t); }

  function seek(t) {
    var end = data.duration;
    audio.currentTime = Math.min(Math.max(0, t), end);
    update();
  }

  function start() {
    var playing = audio.play();
    if (playing && playing.catch) {
      playing.catch(function () { /* refused (no tap yet): the Play button stays */ });
    }
  }

  function toggle() { if (audio.paused) { start(); } else { audio.pause(); } }

  function goBack() {
    var t = audio.currentTime, c = chapterAt(t);
    if (c >= 0 && t - chapters[c].start > RESTART) { seek(chapters[c].start); }
    else if (c > 0) { seek(chapters[c - 1].start); }
    else { seek(0); }
  }

  function goNext() {
    var c = chapterAt(audio.currentTime);
    if (c + 1 < chapters.length) { seek(chapters[c + 1].start); }
  }

  function showChapter(c) {
    buttons.forEach(function (button, index) {
      if (index === c) { button.setAttribute("aria-current", "step"); }
      else { button.removeAttribute("aria-current"); }
    });
    var title = c >= 0 ? chapters[c].title : data.title;
    now.textContent = c >= 0
      ? "Exercise " + (chapters[c].exercise + 1) + ": " + title
      : data.title;
    next.disabled = c + 1 >= chapters.length;
    if (session && typeof MediaMetadata !== "undefined") {
      session.metadata = new MediaMetadata({ title: title, artist: data.artist, album: data.title });
    }
  }

  function showCaption(t) {
    var k = lastStarted(captions, t);
    var speaking = k >= 0 && t < captions[k].end;
    var key = speaking ? k : -2 - k; /* after caption k, before the next */
    if (key === shownCaption) { return; }
    shownCaption = key;
    /* Between cues the last words said stay, dimmed, until the next. */
    caption.textContent = k >= 0 ? captions[k].text : "";
    caption.classList.toggle("said", !speaking);
  }

  function update() {
    var t = audio.currentTime;
    var c = chapterAt(t);
    if (c !== shownChapter) { shownChapter = c; showChapter(c); }
    showCaption(t);
    var total = clockText(data.duration, true);
    var text = clockText(t) + " / " + total;
    if (clock.textContent !== text) {
      clock.textContent = text;
      position.setAttribute("aria-valuetext", clockText(t) + " of " + total);
    }
    if (!dragging) { position.value = String(t); }
    var x = String(1000 * t / Math.max(data.duration, 1e-6));
    playhead.setAttribute("x1", x);
    playhead.setAttribute("x2", x);
    if (session && session.setPositionState && isFinite(audio.duration)) {
      try {
        session.setPositionState({
          duration: audio.duration, position: Math.min(t, audio.duration),
          playbackRate: audio.playbackRate
        });
      } catch (e) { /* a position the browser will not take is left out */ }
    }
  }

  function tick() { update(); frame = audio.paused ? 0 : requestAnimationFrame(tick); }

  function showPlaying() {
    var playing = !audio.paused;
    play.classList.toggle("playing", playing);
    play.setAttribute("aria-label", playing ? "Pause" : "Play");
    byId("play-word").textContent = playing ? "Pause" : "Play";
    if (session) { session.playbackState = playing ? "playing" : "paused"; }
    if (playing && !frame) { frame = requestAnimationFrame(tick); }
  }

  play.addEventListener("click", toggle);
  back.addEventListener("click", goBack);
  next.addEventListener("click", goNext);
  buttons.forEach(function (button) {
    button.addEventListener("click", function () {
      seek(chapters[Number(button.getAttribute("data-index"))].start);
      start();
    });
  });
  position.addEventListener("input", function () { dragging = true; seek(Number(position.value)); });
  position.addEventListener("change", function () { dragging = false; seek(Number(position.value)); });
  picture.addEventListener("click", function (event) {
    var box = picture.getBoundingClientRect();
    if (box.width > 0) { seek(data.duration * (event.clientX - box.left) / box.width); }
  });
  ["play", "pause", "ended"].forEach(function (name) { audio.addEventListener(name, showPlaying); });
  ["timeupdate", "seeked", "loadedmetadata"].forEach(function (name) {
    audio.addEventListener(name, update);
  });
  audio.addEventListener("error", function () {
    caption.classList.remove("said");
    caption.textContent = "The session's sound could not be loaded. Keep the MP3 file in the "
      + "same folder as this page.";
  });

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) { return; }
    var target = event.target, tag = target && target.tagName;
    var onControl = tag === "BUTTON" || tag === "INPUT" || tag === "A";
    if (event.key === " " && !onControl) { toggle(); event.preventDefault(); }
    else if (event.key === "n" || event.key === "N") { goNext(); }
    else if (event.key === "b" || event.key === "B") { goBack(); }
    else if (event.key === "ArrowRight" && tag !== "INPUT") { seek(audio.currentTime + 10); }
    else if (event.key === "ArrowLeft" && tag !== "INPUT") { seek(audio.currentTime - 10); }
  });

  if (session) {
    var actions = {
      play: start,
      pause: function () { audio.pause(); },
      previoustrack: goBack,
      nexttrack: goNext,
      seekto: function (details) { seek(details.seekTime); },
      seekbackward: function (details) { seek(audio.currentTime - (details.seekOffset || 10)); },
      seekforward: function (details) { seek(audio.currentTime + (details.seekOffset || 10)); }
    };
    Object.keys(actions).forEach(function (name) {
      try { session.setActionHandler(name, actions[name]); } catch (e) { /* not offered here */ }
    });
  }
  update();
  showPlaying();
})();
