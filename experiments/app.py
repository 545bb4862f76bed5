"""The explorer under its documented names: `solara run experiments/app.py` (make explorer) and, in
Jupyter, `from experiments.app import page; page`. The code is experiments/interfaces/app.py."""

from experiments.interfaces.app import ExplorerModel, Page, page

__all__ = ["ExplorerModel", "Page", "page"]

page  # noqa: B018
