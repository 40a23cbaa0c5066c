"""Values as trace values: JSON, $repr/$type, $redacted, bounded size; and
the per-run object names."""

from __future__ import annotations

import gc
import math

from causeway_recorder.config import DEFAULT_REDACT_PATTERNS, compile_redaction
from causeway_recorder.objects import ObjectRegistry
from causeway_recorder.values import ValueEncoder


def encoder(**limits) -> ValueEncoder:
    return ValueEncoder(ObjectRegistry(), compile_redaction(DEFAULT_REDACT_PATTERNS), **limits)


class Plain:
    pass


class Custom:
    def __repr__(self):
        return "Custom(7)"


class Broken:
    def __repr__(self):
        raise RuntimeError("no repr")


def test_json_values_pass_through():
    enc = encoder()
    value = {"a": [1, 2.5, True, None, "x"], "b": {"c": (1, 2)}}
    assert enc.encode(value) == {"a": [1, 2.5, True, None, "x"], "b": {"c": [1, 2]}}


def test_values_without_json_form_are_repr_and_type():
    enc = encoder()
    assert enc.encode(Custom()) == {"$repr": "Custom(7)", "$type": "test_values.Custom"}
    assert enc.encode(Plain()) == {"$repr": "<Plain#1>", "$type": "test_values.Plain"}
    assert enc.encode(Broken()) == {"$repr": "<repr failed: RuntimeError>", "$type": "test_values.Broken"}
    assert enc.encode(math.nan) == {"$repr": "nan", "$type": "float"}
    assert enc.encode(2**70)["$type"] == "int"
    assert enc.encode({1, 2})["$type"] == "set"
    assert enc.encode({3: "x"}) == {"3": "x"}


def test_values_are_cut_to_size():
    enc = encoder(max_string=5, max_items=2, max_depth=2)
    assert enc.encode("abcdefgh") == "abcde…"
    assert enc.encode([1, 2, 3, 4])[:2] == [1, 2]
    assert enc.encode([1, 2, 3, 4])[2]["$repr"] == "... 2 more"
    assert enc.encode([[[1]]]) == [[{"$repr": "<list of 1 items>", "$type": "list"}]]


def test_secret_names_are_redacted_at_any_depth():
    enc = encoder()
    value = {"user": "ada", "password": "p", "nested": {"X-Api-Key": "k", "ApiKey": "k2"}}
    assert enc.encode(value) == {
        "user": "ada",
        "password": {"$redacted": "password"},
        "nested": {"X-Api-Key": {"$redacted": "api-key"}, "ApiKey": {"$redacted": "apikey"}},
    }
    assert enc.named("session_token", "abc") == {"$redacted": "token"}
    assert enc.named("username", "abc") == "abc"


def test_custom_patterns_and_no_defaults():
    enc = ValueEncoder(ObjectRegistry(), compile_redaction(["^ssn$"]))
    assert enc.named("ssn", "123") == {"$redacted": "ssn"}
    assert enc.named("password", "p") == "p"


def test_object_numbers_are_per_class_and_stable():
    objects = ObjectRegistry()
    a, b, c = Plain(), Plain(), Custom()
    assert [objects.label(a), objects.label(b), objects.label(c)] == ["Plain#1", "Plain#2", "Custom#1"]
    assert objects.label(a) == "Plain#1"


def test_a_dead_object_is_forgotten_and_a_new_one_is_not_merged_with_it():
    objects = ObjectRegistry()
    first = Plain()
    assert objects.label(first) == "Plain#1"
    del first
    gc.collect()
    # Whatever address the next object gets, it must get a new name.
    names = {objects.label(Plain()) for _ in range(5)}
    assert "Plain#1" not in names


def test_containers_are_named_after_the_field_they_were_read_from():
    objects = ObjectRegistry()
    accounts = {}
    objects.alias(accounts, "Bank#1.accounts")
    objects.alias(accounts, "other.name")  # the first name stays
    assert objects.label(accounts) == "Bank#1.accounts"
    plain = Plain()
    objects.alias(plain, "x.y")  # only containers take aliases
    assert objects.label(plain) == "Plain#1"


def test_memory_stays_bounded_past_the_pinning_limit(monkeypatch, capsys):
    import causeway_recorder.objects as objects_module

    monkeypatch.setattr(objects_module, "MAX_PINNED", 2)
    objects = ObjectRegistry()
    first, second, third = {}, {}, {}
    assert objects.can_pin(first) and objects.label(first) == "dict#1"
    assert objects.can_pin(second) and objects.label(second) == "dict#2"
    assert not objects.can_pin(third)
    assert objects.can_pin(first)  # already named: still recorded
    assert "not recorded" in capsys.readouterr().err
