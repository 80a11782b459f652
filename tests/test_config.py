"""The settings table: URL round trip, clamping and hostile query strings, presets."""

from __future__ import annotations

import pytest

from rnnviz.train import settings as cf


@pytest.mark.parametrize("name", list(cf.PRESETS))
def test_every_preset_round_trips_through_the_url(name):
    cfg = cf.preset_config(name)
    back, warnings = cf.from_query(cf.to_query(cfg))
    assert warnings == []
    assert back.to_dict() == cfg.to_dict()


def test_every_setting_round_trips():
    cfg = cf.default_config()
    for s in cf.SETTINGS:
        if s.kind == "choice":
            value = s.choices[-1]
        elif s.kind == "bool":
            value = True
        else:
            value = int(s.hi) if s.kind == "int" else float(s.hi)
        cfg = cf.with_value(cfg, s, value)
    back, warnings = cf.from_query(cf.to_query(cfg))
    assert warnings == [] and back.to_dict() == cfg.to_dict()


@pytest.mark.parametrize("query,field,expected,warn", [
    ({"hidden": "100000"}, ("model", "hidden_size"), 512, "clamped to 512"),
    ({"hidden": "-5"}, ("model", "hidden_size"), 1, "clamped to 1"),
    ({"hidden": "abc"}, ("model", "hidden_size"), 64, "not a number"),
    ({"hidden": "2.5"}, ("model", "hidden_size"), 64, "not a whole number"),
    ({"lr": "nan"}, ("train", "lr"), 0.01, "not a finite number"),  # the default preset's
    ({"lr": "1e308"}, ("train", "lr"), 10.0, "clamped"),
    ({"cell": "<script>"}, ("model", "cell"), "rnn", "not one of"),
    ({"bidir": "maybe"}, ("model", "bidirectional"), False, "not true/false"),
    ({"wat": "1"}, ("model", "cell"), "rnn", "unknown setting"),
    ({"preset": "nope"}, ("task", "name"), "sentiment", "preset"),
    ({"lr": ["0.1", "0.2"]}, ("train", "lr"), 0.2, None),
])
def test_hostile_query_strings_fall_back_with_a_warning(query, field, expected, warn):
    cfg, warnings = cf.from_query(query)
    assert getattr(getattr(cfg, field[0]), field[1]) == expected
    if warn is None:
        assert warnings == []
    else:
        assert len(warnings) == 1 and warn in warnings[0]


def test_preset_in_query_then_overrides():
    cfg, warnings = cf.from_query({"preset": "sine", "hidden": "8"})
    assert warnings == [] and cfg.task.name == "sine" and cfg.model.hidden_size == 8
