/*
 * Keyboard use shared by the pages: ←/→ between tabs of a tab list (the WAI-ARIA pattern,
 * one tab stop per list), ↑/↓ between the rows of a list of buttons.
 */

/**
 * @param {HTMLElement[]} tabs the tab buttons, in order
 * @param {(tab: HTMLElement) => void} activate selects a tab and moves the focus to it
 */
export function arrowTabs(tabs, activate) {
  tabs.forEach((tab, index) => {
    tab.addEventListener("keydown", (event) => {
      const step = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
      if (step) {
        event.preventDefault();
        activate(tabs[(index + step + tabs.length) % tabs.length]);
      }
    });
  });
}

/**
 * Marks the selected tab of a tab list (aria-selected, the only tab stop).
 * @param {HTMLElement[]} tabs
 * @param {(tab: HTMLElement) => boolean} isSelected
 * @param {boolean} focus move the focus to the selected tab
 */
export function selectTab(tabs, isSelected, focus) {
  for (const tab of tabs) {
    const selected = isSelected(tab);
    tab.setAttribute("aria-selected", selected ? "true" : "false");
    tab.tabIndex = selected ? 0 : -1;
    if (selected && focus) {
      tab.focus();
    }
  }
}

/**
 * ↑/↓ move the focus between the list's `.gc-item` buttons.
 * @param {HTMLElement} list
 */
export function arrowRows(list) {
  list.addEventListener("keydown", (event) => {
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") {
      return;
    }
    const buttons = Array.from(list.querySelectorAll(".gc-item"));
    const at = buttons.indexOf(/** @type {Element} */ (document.activeElement));
    if (at < 0) {
      return;
    }
    event.preventDefault();
    const next = /** @type {HTMLElement | undefined} */ (buttons[at + (event.key === "ArrowDown" ? 1 : -1)]);
    if (next) {
      next.focus();
    }
  });
}
