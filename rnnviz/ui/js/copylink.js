// "Copy link to this view" (rnnviz/ui/links.py copy_button): copies the page's URL as it is
// at the click, which the page's script keeps set to its settings. The clipboard needs a secure context
// (https or localhost): on http://<lan-ip> in a lecture hall it is refused, and the URL
// shows in a text field, selected, to copy by hand.
export default function (component) {
  const { data, parentElement } = component;
  const text = JSON.parse(data);
  let box = parentElement.querySelector(".rnnviz-copylink");
  if (!box) {
    box = document.createElement("div");
    box.className = "rnnviz-copylink";
    box.innerHTML = '<button type="button"></button><div class="rnnviz-copylink-manual" ' +
      'hidden><label></label><input type="text" readonly></div>';
    parentElement.appendChild(box);
    const button = box.querySelector("button");
    Object.assign(button.style, {
      width: "100%", padding: "0.35rem 0.75rem", borderRadius: "0.5rem", cursor: "pointer",
      border: "1px solid rgba(49, 51, 63, 0.2)", background: "white", color: "inherit",
      font: "inherit", fontSize: "0.9rem",
    });
    const input = box.querySelector("input");
    Object.assign(input.style, { width: "100%", fontSize: "0.8rem", padding: "0.2rem" });
    box.querySelector("label").style.fontSize = "0.8rem";
    button.addEventListener("click", () => copy(box));
  }
  box.__text = text;
  const button = box.querySelector("button");
  box.querySelector(".rnnviz-copylink-manual").hidden = true;  // the view may have changed
  if (box.dataset.state === "manual") delete box.dataset.state;
  if (!box.dataset.state) show(button, text.label);
  button.title = text.help;
  box.querySelector("label").textContent = text.fallback;
}

// A link icon drawn inline: an emoji may have no font on a lecture-hall machine.
const ICON = '<svg width="14" height="14" viewBox="0 0 24 24" fill="none" ' +
  'stroke="currentColor" stroke-width="2" stroke-linecap="round" aria-hidden="true" ' +
  'style="vertical-align:-2px;margin-right:6px"><path d="M10 13a5 5 0 0 0 7 0l3-3a5 5 0 0 ' +
  '0-7-7l-1 1"/><path d="M14 11a5 5 0 0 0-7 0l-3 3a5 5 0 0 0 7 7l1-1"/></svg>';

function show(button, text) {
  button.innerHTML = ICON;
  button.appendChild(document.createTextNode(text));
}

function url() {
  const w = window.parent && window.parent !== window ? window.parent : window;
  return w.location.href;
}

function copy(box) {
  const href = url();
  const button = box.querySelector("button");
  const done = () => {
    box.dataset.state = "copied";
    box.dataset.copied = href;
    button.textContent = "✓ " + box.__text.done;
    setTimeout(() => {
      delete box.dataset.state;
      show(button, box.__text.label);
    }, 2000);
  };
  const manual = () => {
    box.dataset.state = "manual";
    const field = box.querySelector(".rnnviz-copylink-manual");
    const input = field.querySelector("input");
    field.hidden = false;
    input.value = href;
    input.focus();
    input.select();
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(href).then(done, manual);
  } else {
    manual();
  }
}
