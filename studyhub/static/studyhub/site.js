// StudyHub: small progressive enhancements. Every page works without this file.
(() => {
  "use strict";

  const isTyping = (el) =>
    el instanceof HTMLElement &&
    (el.isContentEditable || el.matches("textarea, select, input:not([type=radio]):not([type=checkbox]):not([type=submit]):not([type=button])"));

  // Keyboard shortcuts (WCAG 2.1.4): they act only while the focus is inside the question,
  // and the learner can turn them off with a checkbox; the choice is kept in this browser.
  const SETTING = "studyhub.shortcuts";
  const root = document.documentElement;
  const setShortcuts = (on) => {
    root.dataset.shortcuts = on ? "on" : "off";
    document.querySelectorAll("[data-shortcuts-toggle]").forEach((box) => { box.checked = on; });
  };
  let saved = null;
  try { saved = localStorage.getItem(SETTING); } catch { /* storage blocked: shortcuts stay on */ }
  setShortcuts(saved !== "off");
  document.addEventListener("change", (event) => {
    if (!event.target.matches("[data-shortcuts-toggle]")) return;
    try { localStorage.setItem(SETTING, event.target.checked ? "on" : "off"); } catch { /* this page only */ }
    setShortcuts(event.target.checked);
  });

  // 1–9 pick an option; Enter on the feedback follows "Next".
  document.addEventListener("keydown", (event) => {
    if (root.dataset.shortcuts !== "on") return;
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    const area = event.target instanceof Element && event.target.closest("#question-area");
    if (!area) return;
    const next = area.querySelector("[data-next]");
    if (event.key === "Enter" && next && !isTyping(event.target) && event.target.tagName !== "A" && event.target.tagName !== "BUTTON") {
      event.preventDefault();
      next.click();
      return;
    }
    const form = event.target.closest("form[data-question]");
    if (!form || isTyping(event.target) || !/^[1-9]$/.test(event.key)) return;
    const options = form.querySelectorAll("input[type=radio], input[type=checkbox]");
    const input = options[Number(event.key) - 1];
    if (input && !input.disabled) {
      event.preventDefault();
      input.click();
      input.focus();
    }
  });

  // After htmx swaps in feedback, move focus to it so keyboard and screen-reader users land there.
  document.addEventListener("htmx:afterSettle", (event) => {
    const target = event.detail.elt;
    const focus = target && (target.matches("[data-autofocus]") ? target : target.querySelector("[data-autofocus]"));
    if (focus) focus.focus();
  });

  // Exam countdown: the server owns the deadline; this only keeps the shown time fresh.
  const timer = document.querySelector("[data-deadline]");
  if (timer) {
    const deadline = Date.parse(timer.dataset.deadline);
    const out = timer.querySelector("[data-left]") || timer;
    let warned = false;
    const tick = () => {
      const left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      const m = Math.floor(left / 60), s = String(left % 60).padStart(2, "0");
      out.textContent = `${m}:${s}`;
      if (left <= 60 && !warned) {
        warned = true;
        const live = document.getElementById("timer-alert");
        if (live) live.textContent = "One minute left.";
      }
      if (left === 0) {
        clearInterval(handle);
        window.location.reload();
      }
    };
    const handle = setInterval(tick, 1000);
    tick();
  }
})();
