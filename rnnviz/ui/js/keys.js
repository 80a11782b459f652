// Keyboard shortcuts for the Play / Pause / Step / Reset row of rnnviz/ui/player.py:
// Space = Play or Pause, Right arrow = Step, R = Reset. Every player's row carries one
// element of this code (no height); its data names the row's buttons by their Streamlit
// keys. The first element adds ONE keydown listener to the page, kept for as long as the
// page lives: a rerun, another page of the app or a second player adds none. A key press
// clicks the real button of the player on screen, so it does exactly what a click does.
export default function (component) {
  const w = window;
  const row = JSON.parse(component.data);  // {play, pause, step, reset, keys}: widget keys
  (w.__rnnvizPlayers = w.__rnnvizPlayers || new Map()).set(row.play, row);
  if (w.__rnnvizKeys) return;
  w.__rnnvizKeys = true;
  // Streamlit gives a widget with key k the class "st-key-" + k, other characters as "-"
  const box = (key) => "st-key-" + key.trim().replaceAll(/[^a-zA-Z0-9_-]/g, "-");
  const shown = (el) => !!el && (el.checkVisibility ? el.checkVisibility()
    : el.getClientRects().length > 0);
  const button = (key) => {
    const b = document.querySelector("." + box(key) + " button");
    return shown(b) ? b : null;
  };
  // focus where a key types or moves something: text fields, lists, sliders, tabs, grids
  const MOVES = 'textarea, select, [contenteditable]:not([contenteditable="false"]), '
    + '[role="slider"], [role="spinbutton"], [role="combobox"], [role="listbox"], '
    + '[role="option"], [role="radiogroup"], [role="tablist"], [role="tab"], '
    + '[role="menu"], [role="menuitem"], [role="grid"], [role="textbox"]';
  const PRESSES = ["checkbox", "button", "submit", "reset", "file", "color"];  // not typed in
  function typing(el) {
    if (el.closest(MOVES)) return true;
    const input = el.closest("input");
    return !!input && !PRESSES.includes(input.type);
  }
  // a control that Space presses itself (a button, a link, a toggle), when Tab brought the
  // focus there; focus left there by a click does not count, so Space still plays after a
  // click on a toggle or the Keys popover
  const PRESSABLE = 'button, a[href], summary, input, [role="button"], [role="checkbox"], '
    + '[role="switch"]';
  let tabbed = false;  // the focus moved by Tab since the last click
  w.addEventListener("pointerdown", () => { tabbed = false; }, true);
  const pressing = (el) => tabbed && !!el.closest(PRESSABLE);
  const ACTIONS = { " ": "toggle", ArrowRight: "step", r: "reset", R: "reset" };
  w.addEventListener("keydown", (e) => {
    if (e.key === "Tab") tabbed = true;
    const action = ACTIONS[e.key];
    if (!action || e.ctrlKey || e.metaKey || e.altKey || e.isComposing) return;
    const path = e.composedPath ? e.composedPath() : [e.target];
    const focus = path[0] instanceof Element ? path[0] : null;
    if (focus && typing(focus)) return;
    let player = null;  // the row on screen (a page with two players: the visible one)
    for (const r of w.__rnnvizPlayers.values()) {
      if (button(r.play) || button(r.pause)) { player = r; break; }
    }
    if (!player) return;
    const own = [player.play, player.pause, player.step, player.reset, player.keys]
      .map((k) => document.querySelector("." + box(k)))
      .some((el) => el && focus && el.contains(focus));
    if (action === "toggle" && focus && !own && pressing(focus)) return;
    const target = action === "toggle" ? (button(player.pause) || button(player.play))
      : button(player[action]);
    e.preventDefault();  // Space does not scroll the page, nor press the focused button
    e.stopPropagation();  // nor does Streamlit's own R (rerun) run as well
    if (!e.repeat && target && !target.disabled) target.click();
  }, true);
}
