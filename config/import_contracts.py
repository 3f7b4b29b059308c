"""The import-linter contract for faces, the one rule of DESIGN.md that its built-in contracts
cannot say.

A face is the part of an app that people or machines reach: pages, forms, filters, the API, the
admin, URL lists, template tags, management commands and Celery tasks. Faces stand above every
app, so a face may import any app's models, services and selectors, but:

- a face never imports another app's face (what two faces share moves down beside what it
  describes), and
- nothing below the faces imports a face, its own app's included (a service that must queue
  work names its task to apps.core.task_queue instead of importing it).

`config` (settings, the root URLs, the Celery app) is the wiring above everything and is not
checked; nor are the apps named `shared` (core), whose faces are the toolkit every face uses.
Exceptions go in `ignore_imports`, each with its reason beside it in pyproject.toml.
"""

from dataclasses import dataclass
from typing import cast

import grimp
from importlinter import Contract, ContractCheck, fields, output
from importlinter.application import contract_utils


@dataclass(frozen=True)
class FaceImport:
    importer: str
    imported: str
    line_numbers: tuple[int, ...]
    rule: str


class FacesContract(Contract):
    type_name = "faces"

    containers = fields.ListField(subfield=fields.StringField())
    # Apps whose faces are the shared toolkit of every face (core's API errors and form helpers).
    shared = fields.ListField(subfield=fields.StringField(), required=False)
    faces = fields.ListField(subfield=fields.StringField())
    ignore_imports = fields.SetField(subfield=fields.ImportExpressionField(), required=False)
    unmatched_ignore_imports_alerting = fields.EnumField(
        contract_utils.AlertLevel, default=contract_utils.AlertLevel.ERROR
    )

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        removal = contract_utils.remove_ignored_imports_and_report(
            graph=graph,
            ignore_imports=self.ignore_imports,  # type: ignore[arg-type]
            unmatched_alerting=self.unmatched_ignore_imports_alerting,  # type: ignore[arg-type]
        )
        broken: list[FaceImport] = []
        for importer in sorted(graph.modules):
            importer_app = self._app_of(importer)
            if importer_app is None or importer_app in self._shared:
                continue
            importer_is_face = self._is_face(importer)
            for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                imported_app = self._app_of(imported)
                if imported_app is None or imported_app in self._shared:
                    continue
                if not self._is_face(imported):
                    continue
                if importer_is_face and imported_app == importer_app:
                    continue  # an app's own faces work together (urls -> views)
                rule = (
                    "a face imports another app's face"
                    if importer_is_face
                    else "a module below the faces imports a face"
                )
                details = graph.get_import_details(importer=importer, imported=imported)
                lines = tuple(detail["line_number"] for detail in details)
                broken.append(FaceImport(importer, imported, lines, rule))
        return ContractCheck(
            kept=not broken,
            warnings=list(removal.warnings),
            metadata={"broken": broken},
        )

    def render_broken_contract(self, check: ContractCheck) -> None:
        for found in check.metadata["broken"]:
            lines = ", ".join(f"l.{number}" for number in found.line_numbers)
            output.print_error(f"{found.importer} -> {found.imported} ({lines}): {found.rule}")
            output.new_line()

    @property
    def _shared(self) -> set[str]:
        return set(cast(list[str], self.shared or []))

    def _app_of(self, module: str) -> str | None:
        """`apps.chains` for apps.chains.views.leader; None outside the containers."""
        for container in self.containers:  # type: ignore[attr-defined]
            prefix = f"{container}."
            if module.startswith(prefix):
                app = module.removeprefix(prefix).split(".")[0]
                return f"{prefix}{app}"
        return None

    def _is_face(self, module: str) -> bool:
        app = self._app_of(module)
        if app is None or module == app:
            return False
        first = module.removeprefix(f"{app}.").split(".")[0]
        return first in self.faces  # type: ignore[operator]
