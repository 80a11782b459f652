"""rnnviz: entry point. Navigation over the page table (rnnviz/ui/sitemap.py), the shared
sidebar, presentation mode."""

import streamlit as st

from rnnviz.ui import links, livechart, player, sitemap, state, theme

st.set_page_config(page_title="rnnviz", page_icon="🔁", layout="wide")  # no icon fetch: offline

sections: dict[str, list] = {}
for p in sitemap.PAGES:
    sections.setdefault(p.section, []).append(
        st.Page(p.file, title=p.title, icon=f":material/{p.icon}:", default=not p.url,
                **({"url_path": p.url} if p.url else {})))
page = st.navigation(sections)
player.leave_others(page.url_path)  # a run pauses while its page is not shown (resumes there)
livechart.preload()  # the browser fetches plotly.js while the page's script runs
theme.apply(state.presentation())  # the toggle's value from the last run (session state)
links.here(page.url_path)  # the Train run reads its link only on its own pages
links.copy_button(page.url_path)  # top of the sidebar; it copies the URL as it is on click
page.run()  # a page with settings in the sidebar ends them with a divider
st.sidebar.toggle("Presentation mode", key=state.PRESENTATION,
                  help="larger text and thicker lines for a projector")
