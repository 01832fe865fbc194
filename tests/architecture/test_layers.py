"""The rules of the layers (docs/architecture.md), read from the code's own imports."""

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SERVICES = sorted(p.name for p in (REPO / "services").iterdir() if (p / "src").is_dir())
FRAMEWORKS = ("fastapi", "faststream", "aiokafka", "pymongo", "httpx", "starlette")


def sources(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py"))


def imported(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_the_services_are_found() -> None:
    assert {"gateway", "profiles", "recommender", "notifier", "companies"} <= set(SERVICES)


def test_a_service_never_imports_another() -> None:
    crossing = [
        f"{path.relative_to(REPO)} imports {other}"
        for service in SERVICES
        for path in sources(REPO / "services" / service / "src")
        for other in imported(path) & (set(SERVICES) - {service})
    ]
    assert crossing == []


def test_the_domain_packages_are_pure() -> None:
    impure = [
        f"{path.relative_to(REPO)} imports {name}"
        for service in SERVICES
        for path in sources(REPO / "services" / service / "src" / service / "domain")
        for name in imported(path) & set(FRAMEWORKS)
    ]
    assert impure == []


def test_the_libraries_never_import_a_service() -> None:
    upward = [
        f"{path.relative_to(REPO)} imports {name}"
        for path in sources(REPO / "libs")
        if "/tests/" not in str(path)
        for name in imported(path) & set(SERVICES)
    ]
    assert upward == [], "libraries sit below the services"


def test_no_service_names_the_store_engine() -> None:
    """What FerretDB or MongoDB can do is known in servicekit/data alone."""
    naming = [
        str(path.relative_to(REPO))
        for service in SERVICES
        for path in sources(REPO / "services" / service / "src")
        if re.search(r"ferretdb|is_mongodb|capabilities\.name", path.read_text(), re.IGNORECASE)
    ]
    assert naming == []


def test_no_production_package_ships_test_helpers() -> None:
    shipped = [
        str(path.relative_to(REPO))
        for folder in ("libs", "services")
        for path in (REPO / folder).glob("*/src/*/testing.py")
    ]
    assert shipped == [], "helpers of the tests go to tests/kit"


def test_no_library_loads_a_module_by_name() -> None:
    """A library that needs a service's code would reach up by name: the tools above do that."""
    by_name = [
        str(path.relative_to(REPO))
        for path in sources(REPO / "libs")
        if "/tests/" not in str(path) and "importlib" in imported(path)
    ]
    assert by_name == []


def test_the_tools_import_the_services_from_the_top() -> None:
    assert set(SERVICES) <= imported(REPO / "tools" / "apidocs.py")


def test_no_test_module_imports_another() -> None:
    """Shared helpers live in tests/kit/testkit or a conftest, never in another test module."""
    tests = [
        p for p in REPO.glob("**/test_*.py") if ".venv" not in p.parts and ".local" not in p.parts
    ]
    crossing = []
    for path in tests:
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module.split(".")[-1]]
            elif isinstance(node, ast.Import):
                names = [alias.name.split(".")[-1] for alias in node.names]
            crossing += [
                f"{path.relative_to(REPO)} imports {n}" for n in names if n.startswith("test_")
            ]
    assert tests
    assert crossing == []
