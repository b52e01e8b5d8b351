"""Only what pyproject.toml cannot say about the packages in the wheel:

* every folder under ``intake_app/`` and ``ui/``, also those without an ``__init__.py``
  (``intake_app/server``, its migrations, templates and static files): namespace packages;
* ``resources/`` (codebook, translations, fonts, exchange registry, samples) as the package
  ``intake_resources`` (``package-dir`` maps it; a package finder cannot see a mapped folder).

So an installed ``pip install .[server]`` finds everything exactly as a checkout does
(tests/test_wheel.py builds the wheel from a clean copy and runs the installed server)."""

from pathlib import Path

from setuptools import find_namespace_packages, setup

RESOURCES = Path(__file__).parent / "resources"
resource_packages = ["intake_resources"] + sorted(
    "intake_resources." + ".".join(d.relative_to(RESOURCES).parts)
    for d in RESOURCES.rglob("*") if d.is_dir() and not d.name.startswith((".", "__")))

code_packages = [p for p in find_namespace_packages(include=["intake_app*", "ui*"]) if "__pycache__" not in p]
setup(packages=code_packages + resource_packages)
