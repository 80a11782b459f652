"""Every view a link: a page's settings to and from st.query_params, hidden controls, and
the "Copy link to this view" button. The table of what each page links is
rnnviz/lessons/pagelinks.py; the Train page keeps its own (train/settings.py from_query/to_query)
and uses hide= and the button from here.

A page calls `start(page)` before its widgets and `finish(page)` after them:
- start: on a new link (a query this session did not write: the first visit, or a link
  opened in this tab) the link's values go into the widgets' session keys, clamped and
  checked (a warning each, as the Train page's); otherwise the widgets get back the values
  they had when the user left the page (Streamlit forgets a widget that is not drawn, and a
  page switch clears the query).
- finish: the page's values go back into the URL, only those that differ from the defaults.
"""

from __future__ import annotations

import json
from pathlib import Path

import streamlit as st

from rnnviz.lessons import pagelinks as table
from rnnviz.train import settings as cf

MAX_WARNINGS = 20  # a link with more problems shows this many and a count
PAGE = "links:page"  # the URL path of the page this script run shows (app.py: here())
JS = (Path(__file__).resolve().parent / "js" / "copylink.js").read_text(encoding="utf-8")
_copy = st.components.v2.component("rnnviz.copylink", js=JS, isolate_styles=False)


def _key(page: str, what: str) -> str:
    return f"links:{page}:{what}"  # what: values | query | hide | show


def here(page: str) -> None:
    """app.py, every run: which page this run shows (state._from_url reads it)."""
    st.session_state[PAGE] = page


def _query() -> dict[str, list[str]]:
    return {k: st.query_params.get_all(k) for k in st.query_params}


def _flat(query: dict) -> dict[str, str]:
    return {k: (v[-1] if v else "") for k, v in query.items()}


def train_query() -> dict[str, list[str]]:
    """The query the Train run is built from: the Train page's own; on Unrolled, which draws
    the Train run, its Train settings; on any other page none."""
    page, query = st.session_state.get(PAGE), _query()
    if page in (None, "train"):
        return query
    if page == "unrolled":
        return {k: v for k, v in query.items() if k in cf.BY_KEY or k == "preset"}
    return {}


def is_new(page: str) -> bool:
    """Whether the URL holds a link this session did not write (a page switch may keep the
    last page's query: that one is not a link to this page)."""
    flat = _flat(_query())
    ours = [st.session_state.get(_key(p, "query")) for p in table.PAGES]
    return bool(flat) and flat not in ours


def start(page: str, known: dict | None = None) -> bool:
    """Before the page's widgets: a new link's values into their session keys (warnings
    shown), or else the values the page had (`known`: {URL key: value} of the page's run,
    if it has one; they come first); then the 'Show all controls' toggle if the link hides
    some. Returns whether the URL held a new link."""
    ss = st.session_state
    spec, shadow = table.PAGES[page], ss.setdefault(_key(page, "values"), {})
    warnings, new = [], is_new(page)
    if new:
        query = _query()
        values, warnings = table.from_query(page, query) if page != "train" else ({}, [])
        hide, more = table.parse_hide(page, _flat(query).get(table.HIDE, ""))
        if page == "train" and table.HIDE not in query:
            hide = preset_hide(_flat(query).get("preset"))
        warnings += more
        ss[_key(page, "hide")] = hide
        shadow.clear()
        for link in spec.links:
            value = values.get(link.key, link.default)
            if value is None:
                ss.pop(link.widget, None)  # the page's own default
            else:
                ss[link.widget] = value
    else:
        known = known or {}
        for link in spec.links:
            value = known.get(link.key, shadow.get(link.key, link.default))
            if link.widget not in ss and value is not None:
                ss[link.widget] = value
    for w in warnings[:MAX_WARNINGS]:
        st.warning(f"Link: {w}")
    if len(warnings) > MAX_WARNINGS:
        st.warning(f"Link: {len(warnings) - MAX_WARNINGS} more parts of it were ignored.")
    _show_all(page)
    return new


def preset_hide(name) -> tuple[str, ...]:
    """The controls a lecture preset hides (its `hide` field)."""
    found = cf.preset_id(name)[0] if name is not None else None
    return tuple(cf.PRESETS[found].hide) if found else ()


def set_hidden(page: str, keys) -> None:
    """Hide these controls of `page` (e.g. a preset picked on the Train page)."""
    st.session_state[_key(page, "hide")] = tuple(keys)


def hidden(page: str) -> tuple[str, ...]:
    """The controls the link or preset hides (shown or not)."""
    return tuple(st.session_state.get(_key(page, "hide"), ()))


def shown(page: str, key: str) -> bool:
    """Whether to draw control `key` (its URL key) of `page`."""
    ss = st.session_state
    return key not in hidden(page) or bool(ss.get(_key(page, "show")))


def _show_all(page: str) -> None:
    """The student's escape: a small toggle in the sidebar, only when something is hidden."""
    keys = hidden(page)
    if not keys:
        return
    ss = st.session_state
    labels = [cf.BY_KEY[k].label if page == "train" and k in cf.BY_KEY else k for k in keys]
    ss[_key(page, "show")] = st.sidebar.toggle(
        "Show all controls", value=bool(ss.get(_key(page, "show"))),
        key=_key(page, "show_toggle"),
        help=f"This link hides: {', '.join(labels)}. Their values still come from the link.")


def finish(page: str, defaults: dict | None = None, extra: dict | None = None) -> None:
    """After the page's widgets: their values into the URL (`defaults`: the page's own
    defaults, for settings whose default depends on the run; `extra`: more keys)."""
    ss = st.session_state
    shadow = ss.setdefault(_key(page, "values"), {})
    for link in table.PAGES[page].links:
        if link.widget in ss:
            shadow[link.key] = ss[link.widget]
    write(page, {**(extra or {}), **table.to_query(page, shadow, defaults)})


def write(page: str, query: dict[str, str]) -> None:
    """Set the URL to `query` (plus hide=, while the link hides controls) and remember it:
    the next run knows the URL is its own."""
    query = dict(query)
    if hidden(page):
        query[table.HIDE] = ",".join(hidden(page))
    if dict(st.query_params) != query:
        st.query_params.from_dict(query)
    st.session_state[_key(page, "query")] = query


def copy_button(page: str) -> None:
    """'Copy link to this view': copies the page's URL; where the browser refuses (no
    clipboard outside https or localhost) it shows the URL in a field to copy by hand."""
    spec = table.PAGES.get(page)
    note = spec.note if spec else ""
    data = {"label": "Copy link to this view", "done": "Copied",
            "help": ("A link that opens this page with these settings. " + note).strip(),
            "fallback": "Copy this link by hand:"}
    with st.sidebar:
        _copy(data=json.dumps(data), key="rnnviz_copylink", height="content")


class _Hidden:
    """Stands in for a container where a control is hidden: any widget call draws nothing
    and returns the value in its session key (from the link, the preset or before)."""

    def __getattr__(self, name):
        def value(*args, key=None, **kwargs):
            return st.session_state.get(key)
        return value


def place(page: str, key: str, where=st):
    """Where to draw control `key` of `page`: `where`, or nowhere if the link hides it
    (`links.place("gradients", "T", st.sidebar).slider(..., key="lab_T")`)."""
    return where if shown(page, key) else _Hidden()
