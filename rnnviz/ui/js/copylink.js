// "Copy link to this view" (rnnviz/ui/links.py copy_button): copies the page's URL, which
// the page's script has just set to its settings. The clipboard needs a secure context
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
  if (!box.dataset.state) button.textContent = "🔗 " + text.label;
  button.title = text.help;
  box.querySelector("label").textContent = text.fallback;
  const field = box.querySelector(".rnnviz-copylink-manual");
  if (!field.hidden) field.querySelector("input").value = url();  // settings changed
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
      button.textContent = "🔗 " + box.__text.label;
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
