"""The faces contract (config/import_contracts.py) that .ci/run checks with import-linter: it
fails on the imports DESIGN.md rules out and lets the allowed ones through."""

import grimp
import pytest

from config.import_contracts import FacesContract

FACES = ["views", "api", "urls", "tasks"]


def graph_of(*imports: tuple[str, str]) -> grimp.ImportGraph:
    graph = grimp.ImportGraph()
    for importer, imported in imports:
        for module in (importer, imported):
            graph.add_module(module)
        graph.add_import(importer=importer, imported=imported, line_number=1, line_contents="")
    return graph


def broken(*imports: tuple[str, str]) -> list[tuple[str, str, str]]:
    contract = FacesContract(
        name="faces",
        session_options={},
        contract_options={"containers": ["apps"], "shared": ["apps.core"], "faces": FACES},
    )
    check = contract.check(graph_of(*imports), verbose=False)
    found = check.metadata["broken"]
    assert check.kept == (not found)
    return [(f.importer, f.imported, f.rule) for f in found]


@pytest.mark.parametrize(
    "importer, imported",
    [
        ("apps.chains.views", "apps.chains.services"),  # a face uses its app's services
        ("apps.webhooks.api", "apps.chains.serializers"),  # and another app's lower modules
        ("apps.chains.api", "apps.core.api"),  # and core's shared face toolkit
        ("apps.chains.urls", "apps.chains.views"),  # an app's own faces work together
        ("apps.core.schema", "apps.core.api"),  # core is not checked
        ("config.urls", "apps.chains.views"),  # nor the wiring in config
    ],
)
def test_allowed_imports_keep_the_contract(importer: str, imported: str) -> None:
    assert broken((importer, imported)) == []


def test_a_face_importing_another_apps_face_breaks_it() -> None:
    assert broken(("apps.webhooks.api", "apps.chains.api")) == [
        ("apps.webhooks.api", "apps.chains.api", "a face imports another app's face")
    ]


def test_a_service_importing_its_own_task_breaks_it() -> None:
    found = broken(("apps.webhooks.services", "apps.webhooks.tasks"))

    assert found == [
        ("apps.webhooks.services", "apps.webhooks.tasks", "a module below the faces imports a face")
    ]


def test_a_face_in_a_subpackage_counts_as_a_face() -> None:
    found = broken(("apps.orders.receivers", "apps.chains.views.leader"))

    assert [(importer, imported) for importer, imported, _ in found] == [
        ("apps.orders.receivers", "apps.chains.views.leader")
    ]
