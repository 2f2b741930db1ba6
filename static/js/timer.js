// The timesheet's running timer: the clock ticks here, from the seconds the server
// said had run when it drew the page (so a wrong clock on this device doesn't matter);
// starting, stopping and the state itself are the server's (projects.timesheet).
(function () {
  "use strict";
  function shown(seconds) {
    const hours = Math.floor(seconds / 3600);
    const minutes = Math.floor((seconds % 3600) / 60);
    const rest = seconds % 60;
    return hours + ":" + String(minutes).padStart(2, "0") + ":" + String(rest).padStart(2, "0");
  }
  function tick() {
    document.querySelectorAll("[data-timer-elapsed]").forEach((clock) => {
      if (!clock.dataset.timerBase) {
        // A clock htmx swapped in carries its own elapsed seconds; count on from there.
        clock.dataset.timerBase = String(Date.now() - Number(clock.dataset.timerElapsed) * 1000);
      }
      const seconds = Math.max(0, Math.floor((Date.now() - Number(clock.dataset.timerBase)) / 1000));
      clock.textContent = shown(seconds);
    });
  }
  tick();
  setInterval(tick, 1000);
  document.addEventListener("htmx:afterSettle", tick);
})();
