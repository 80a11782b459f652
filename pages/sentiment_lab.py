"""Sentiment (Victor Zhou's RNN): train the many-to-one RNN live, then read any sentence."""

import streamlit as st

from rnnviz import prose
from rnnviz.lessons import pagelinks
from rnnviz.lessons import sentiment_probe as sv
from rnnviz.tasks import DataError
from rnnviz.train import settings as cf
from rnnviz.train.run import TrainingRun
from rnnviz.ui import links, state
from rnnviz.ui import sentiment_panels as panels

st.set_page_config(layout="wide")
ss, pr, big = st.session_state, panels.SENTIMENT, state.presentation()
EVERY, TEXT, ERROR = "sentiment:every", "sentiment:text", "sentiment:upload_error"


def use(recipe: str, data: dict | None, note: str) -> None:
    pr._pause()
    pr.set(TrainingRun(sv.recipe_config(recipe, data)), note)
    ss[EVERY] = sv.LOG_EVERY[recipe]
    ss[panels.RECIPE] = recipe


def pick(recipe: str) -> None:
    use(recipe, pr.run.cfg.task.data, f"{cf.PRESETS[sv.RECIPES[recipe]].title}: press Play.")


def upload() -> None:
    ss.pop(ERROR, None)
    try:
        train, test, note = sv.load_user_data(ss.get("sentiment:train_csv"),
                                              ss.get("sentiment:test_csv"))
        use(sv.recipe_of(pr.run.cfg), {"train": train, "test": test, "note": note}, note)
    except (DataError, ValueError) as e:
        ss[ERROR] = f"{e}. The current run is unchanged."


had = ss.get(pr.key("run"))  # None: the link's recipe builds the run (panels.SENTIMENT)
new_link = links.start("sentiment", {} if had is None else {"recipe": sv.recipe_of(had.cfg)})
run = pr.get()
if new_link and (ss[panels.RECIPE] != sv.recipe_of(run.cfg) or run.cfg.task.data):
    run = pr.set(TrainingRun(sv.recipe_config(ss[panels.RECIPE])))  # a link: bundled data
recipe = ss[panels.RECIPE] = sv.recipe_of(run.cfg)
ss.setdefault(EVERY, sv.LOG_EVERY[recipe])
st.title("Sentiment: a many-to-one RNN, word by word")
st.caption(prose.text("sentiment", "intro"))
c = st.columns(3, vertical_alignment="bottom")
for col, (key, label, icon) in zip(c, (("tutorial", "Tutorial recipe", ":material/school:"),
                                       ("modern", "Modern recipe", ":material/bolt:")),
                                   strict=False):
    links.place("sentiment", "recipe", col).button(
        label, icon=icon, on_click=pick, args=(key,), width="stretch",
        help=cf.PRESETS[sv.RECIPES[key]].text, key=f"sentiment:{key}")
links.place("sentiment", "every", c[2]).selectbox("Log every … epochs", pagelinks.LOG_EVERY,
                                                   key=EVERY)
task = run.task
st.caption(f"**Now: {cf.PRESETS[sv.RECIPES[recipe]].title}**, on "
           f"{'the bundled' if task.bundled else 'your'} sentences ({task.n_train} train, "
           f"{task.n_test} test, {len(task.vocab)} words incl. `<unk>`). "
           f"{(run.cfg.task.data or {}).get('note', '')} {run.model.cfg.hidden_size} hidden "
           f"units, {run.model.num_params:,} parameters.")
with st.expander("Your own sentences (a CSV with columns text,label)", icon=":material/upload:"):
    u = st.columns(2)
    u[0].file_uploader("Training sentences", type=["csv"], key="sentiment:train_csv")
    u[1].file_uploader("Test sentences (optional: without it, a random 20% of the training "
                       "file is held out)", type=["csv"], key="sentiment:test_csv")
    b = st.columns([1, 1, 2])
    b[0].button("Train on these files", icon=":material/upload_file:", on_click=upload)
    b[1].button("Back to the bundled sentences", icon=":material/undo:", on_click=lambda: use(
        sv.recipe_of(pr.run.cfg), None, "The bundled sentences again: press Play."))
    if ss.get(ERROR):
        st.error(ss[ERROR])
if notice := pr.pop_notice():
    st.info(notice)
pr.buttons()
links.place("sentiment", "text").text_input(
    "Type any sentence: the network reads it as it is now", key=TEXT, max_chars=5000)
links.finish("sentiment", defaults={"every": sv.LOG_EVERY[recipe]})
panels.sentence_notes(run, ss[TEXT])
pr.panel(big, options=(("every", ss[EVERY]), ("text", ss[TEXT])))
panels.how_to_read(run)
with st.expander("What am I looking at?"):
    st.markdown(run.task.explanation)
