"""End to end: the bundled shop package (fixtures/testgen/python) recorded
by the real recorder, `causeway gen-tests` run on the trace, and the
generated pytest files run against the package (green) and against
mutants of it (red)."""

from __future__ import annotations

import shutil
import subprocess
import sys

from conftest import REPO_ROOT, record

EXAMPLE = REPO_ROOT / "fixtures" / "testgen" / "python"

DRIVER = """\
from shop import cart, ledger, pricing

pricing.cart_total([{"sku": "A1", "unit_cents": 250, "quantity": 10}, {"sku": "B2", "unit_cents": 99, "quantity": 3}])
pricing.line_total(100, 9)
pricing.line_total(100, 1)
pricing.shipping(999)
pricing.shipping(1000, express=True)
ledger.deposit(10)
ledger.deposit(5)
ledger.balance()
try:
    pricing.line_total(100, 0)
except pricing.PricingError:
    pass
basket = cart.Cart("ada")
basket.add(100, 2)
basket.add(10, 3)
try:
    basket.add(50, 1)
except cart.CartFull:
    pass
"""

# (file, text, replacement): a changed constant, a flipped comparison, ...
MUTANTS = [
    ("shop/pricing.py", "BULK_THRESHOLD = 10", "BULK_THRESHOLD = 11"),
    ("shop/pricing.py", "if quantity >= BULK_THRESHOLD", "if quantity > BULK_THRESHOLD"),
    ("shop/pricing.py", "if quantity <= 0", "if quantity < 0"),
    ("shop/pricing.py", "500 if weight_grams < LIGHT_PARCEL_GRAMS", "500 if weight_grams <= LIGHT_PARCEL_GRAMS"),
    ("shop/pricing.py", "cost *= 2", "cost *= 3"),
    ("shop/pricing.py", 'f"quantity must be positive', 'f"quantity must be > 0'),
    ("shop/ledger.py", "FEE = 2", "FEE = 1"),
    ("shop/ledger.py", "seen + amount - FEE", "seen + amount"),
    ("shop/cart.py", "CAPACITY = 5", "CAPACITY = 6"),
    ("shop/cart.py", "self.count + quantity > self.CAPACITY", "self.count + quantity >= self.CAPACITY"),
    ("shop/cart.py", "self.cents = 0", "self.cents = 1"),
    ("shop/cart.py", "self.count += quantity", "self.count -= quantity"),
]


def generate(causeway, trace, out, root):
    result = subprocess.run(
        [str(causeway), "gen-tests", str(trace), "--out", str(out), "--root", str(root)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def run_pytest(tests):
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tests)],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONDONTWRITEBYTECODE": "1", "PATH": "/usr/bin:/bin"},
    )


def test_generated_tests_replay_a_real_recording_and_kill_mutants(tmp_path, causeway):
    package = tmp_path / "package"
    shutil.copytree(EXAMPLE, package, ignore=shutil.ignore_patterns("__pycache__"))
    (package / "run_shop.py").write_text(DRIVER)
    trace = tmp_path / "shop.jsonl"
    record(["run_shop.py"], trace, "--include", "shop.*", cwd=package)

    summary = generate(causeway, trace, tmp_path / "tests", package)
    assert "from the traces that contain an error" in summary, summary
    green = run_pytest(tmp_path / "tests")
    assert green.returncode == 0, green.stdout
    assert "15 passed" in green.stdout, green.stdout

    survivors = []
    for n, (path, text, replacement) in enumerate(MUTANTS):
        mutant = tmp_path / f"mutant-{n}"
        shutil.copytree(package, mutant, ignore=shutil.ignore_patterns("__pycache__"))
        source = (mutant / path).read_text()
        assert text in source, (path, text)
        (mutant / path).write_text(source.replace(text, replacement, 1))
        generate(causeway, trace, tmp_path / f"mutant-{n}-tests", mutant)
        if run_pytest(tmp_path / f"mutant-{n}-tests").returncode == 0:
            survivors.append((path, text, replacement))
    assert survivors == [], f"{len(MUTANTS) - len(survivors)} of {len(MUTANTS)} mutants killed; survivors {survivors}"
