// The code every rnnviz.livechart element carries: load plotly.js and livechart.js once per
// page (from app/static/), then draw. rnnviz/ui/livechart.py sends it minified, after one
// line that sets window.rnnvizSettings (its SETTINGS: the plotly.js file name, the version
// of livechart.js, and what livechart.js itself reads).
export default function (component) {
  const w = window;
  if (w.rnnvizChart) return w.rnnvizChart(component);
  if (!w.__rnnvizLoad) {
    const settings = w.rnnvizSettings;
    const own = document.querySelector('script[src*="static/js/index"]');
    const root = (own ? own.src.replace(/static\/js\/[^/]*$/, "") : "/") + "app/static/";
    w.__rnnvizPlotly = new Promise((resolve, reject) => {  // plotly.js loads meanwhile
      const p = document.createElement("script");
      p.src = root + settings.plotly;
      p.onload = () => resolve(w.Plotly);
      p.onerror = () => reject(new Error("no plotly.js"));
      document.head.appendChild(p);
    });
    w.__rnnvizLoad = new Promise((resolve) => {
      const s = document.createElement("script");
      s.src = root + "livechart.js?v=" + settings.version;
      s.onload = resolve;
      document.head.appendChild(s);
    });
  }
  w.__rnnvizLoad.then(() => w.rnnvizChart(component));
}
