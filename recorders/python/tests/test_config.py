"""Which modules the import hook rewrites."""

from __future__ import annotations

import json
import os

import causeway_recorder
from causeway_recorder.config import ModuleSelector, RecorderConfig


def selector(tmp_path, **options) -> ModuleSelector:
    return ModuleSelector(RecorderConfig(root=str(tmp_path), **options))


def test_include_patterns_select_packages_and_their_init(tmp_path):
    chosen = selector(tmp_path, include=("shop.*",))
    path = str(tmp_path / "shop" / "cart.py")
    assert chosen.selects("shop.cart", path)
    assert chosen.selects("shop", str(tmp_path / "shop" / "__init__.py"))
    assert not chosen.selects("shopping", str(tmp_path / "shopping.py"))


def test_standard_library_and_recorder_are_never_rewritten(tmp_path):
    everything = selector(tmp_path, include=("*",))
    assert not everything.selects("json", json.__file__)
    assert not everything.selects("json.decoder", os.path.join(os.path.dirname(json.__file__), "decoder.py"))
    assert not everything.selects("causeway_recorder.rewrite", os.path.join(os.path.dirname(causeway_recorder.__file__), "rewrite.py"))


def test_default_is_the_projects_own_files(tmp_path):
    default = selector(tmp_path)
    assert default.selects("app", str(tmp_path / "app.py"))
    assert not default.selects("elsewhere", "/opt/elsewhere/elsewhere.py")


def test_file_name_patterns_do_not_match_across_folders(tmp_path):
    # Regression: `test_*.py` once excluded /tmp/test_run/shop/cart.py.
    project = tmp_path / "test_run"
    chosen = selector(project, exclude=("test_*.py",))
    assert chosen.selects("shop.cart", str(project / "shop" / "cart.py"))
    assert not chosen.selects("test_cart", str(project / "test_cart.py"))


def test_exclude_by_module_or_path(tmp_path):
    chosen = selector(tmp_path, include=("app.*",), exclude=("app.vendor.*", "*/generated/*"))
    assert chosen.selects("app.core", str(tmp_path / "app" / "core.py"))
    assert not chosen.selects("app.vendor.lib", str(tmp_path / "app" / "vendor" / "lib.py"))
    assert not chosen.selects("app.generated.x", str(tmp_path / "app" / "generated" / "x.py"))


def test_paths_in_events_are_relative_to_the_root(tmp_path):
    config = RecorderConfig(root=str(tmp_path))
    assert config.relative_path(str(tmp_path / "bank" / "accounts.py")) == "bank/accounts.py"
    assert config.relative_path("/opt/other.py") == "/opt/other.py"
