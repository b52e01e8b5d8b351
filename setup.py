"""Only what pyproject.toml cannot say about the packages in the wheel:

* every folder under ``intake_app/`` and ``ui/``, also those without an ``__init__.py``
  (``intake_app/server``, its migrations, templates and static files): namespace packages;
* ``resources/`` (codebook, translations, fonts, exchange registry, samples) as the package
  ``intake_resources`` (``package-dir`` maps it; a package finder cannot see a mapped folder).

So an installed ``pip install .[server]`` finds everything exactly as a checkout does
(tests/test_wheel.py builds the wheel from a clean copy and runs the installed server).

And a build starts from an empty ``build/lib``: setuptools would otherwise reuse the one an
earlier build left in the checkout (``pip install /path/to/checkout``, ``pip wheel``), and a file
deleted or renamed since (an Alembic migration: two heads) would still be in the wheel
(tests/test_packaging_rebuild.py)."""

import shutil
from pathlib import Path

from setuptools import find_namespace_packages, setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent

RESOURCES = Path(__file__).parent / "resources"
resource_packages = ["intake_resources"] + sorted(
    "intake_resources." + ".".join(d.relative_to(RESOURCES).parts)
    for d in RESOURCES.rglob("*") if d.is_dir() and not d.name.startswith((".", "__")))

code_packages = [p for p in find_namespace_packages(include=["intake_app*", "ui*"]) if "__pycache__" not in p]


class FreshBuildPy(build_py):
    """``build_py`` into an emptied ``build_lib``: what the wheel ships is what the sources hold now."""

    def run(self) -> None:
        lib = Path(self.build_lib).resolve()
        # only setuptools' own folder under this checkout's build/: a --build-lib given elsewhere
        # (or setup.py run from another folder) is never emptied
        if not self.editable_mode and lib.is_dir() and (HERE / "build") in lib.parents:
            shutil.rmtree(lib)
        super().run()


setup(packages=code_packages + resource_packages, cmdclass={"build_py": FreshBuildPy})
