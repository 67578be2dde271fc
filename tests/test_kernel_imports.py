"""The kernel (portal/) imports no app above it: explanations, appeals, oversight (with inquiries) nor access.
It names their modules by dotted string only (include(), handlers)."""

import ast
from pathlib import Path

from django.conf import settings

KERNEL = Path(settings.BASE_DIR) / "portal"
ABOVE = ("explanations", "appeals", "oversight", "access")


def imported_modules(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return names


def kernel_files() -> list[Path]:
    return [path for path in sorted(KERNEL.rglob("*.py")) if "migrations" not in path.parts]


def test_the_kernel_imports_no_app_above_it() -> None:
    offences = {
        f"{path.relative_to(KERNEL.parent)}: {name}"
        for path in kernel_files()
        for name in imported_modules(path)
        if any(name == top or name.startswith(top + ".") for top in ABOVE)
    }
    assert not offences, sorted(offences)


def test_the_url_configuration_is_in_the_kernel_scan() -> None:
    files = {str(path.relative_to(KERNEL.parent)) for path in kernel_files()}
    assert {"portal/urls.py", "portal/middleware.py", "portal/web/health.py"} <= files


def test_one_api_prefix_for_the_whole_portal() -> None:
    from portal import api
    from portal import middleware as portal_middleware
    from portal.api import errors, middleware

    assert api.API_PREFIX == "/api/"
    assert errors.API_PREFIX is api.API_PREFIX
    assert middleware.API_PREFIX is api.API_PREFIX
    assert portal_middleware.API_PREFIX is api.API_PREFIX
    sources = [Path(m.__file__).read_text() for m in (errors, middleware, portal_middleware)]  # type: ignore[arg-type]
    assert not any('API_PREFIX = "' in source or 'startswith("/api/")' in source for source in sources)
