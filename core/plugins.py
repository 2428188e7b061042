"""The plugin manager: discovery, enabled set, dependency order, loading.

Plugins are distributions exposing an entry point in the group ``sportello``; the
entry point names a module holding the hook implementations and a ``PLUGIN``
:class:`~sportello.core.types.PluginInfo`. Only the enabled entry points are imported,
so a disabled or broken plugin never runs a line of code.
"""

from __future__ import annotations

import importlib.util
import logging
import pkgutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib.metadata import EntryPoint, PackageNotFoundError, distribution, entry_points
from pathlib import Path
from types import ModuleType
from typing import Any

import pluggy
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from .. import hookspecs
from .errors import PluginError
from .types import PluginInfo

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "sportello"
PROJECT_NAME = "sportello"


@dataclass(frozen=True)
class InstalledPlugin:
    """A plugin found among the installed distributions, not necessarily imported."""

    name: str
    module: str
    distribution: str | None
    version: str | None
    summary: str

    def package_folder(self) -> Path | None:
        """The plugin's package folder, found without importing it."""
        spec = importlib.util.find_spec(self.module)
        if spec is None or not spec.submodule_search_locations:
            return None
        return Path(next(iter(spec.submodule_search_locations)))


@dataclass
class LoadedPlugin:
    """An enabled plugin, imported and registered."""

    info: PluginInfo
    module: Any
    installed: InstalledPlugin | None

    @property
    def name(self) -> str:
        return self.info.name


def installed_plugins() -> dict[str, InstalledPlugin]:
    """Every plugin installed in this environment, by name, without importing any."""
    found: dict[str, InstalledPlugin] = {}
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        dist = entry.dist
        found[entry.name] = InstalledPlugin(
            name=entry.name,
            module=entry.value.split(":")[0],
            distribution=dist.name if dist else None,
            version=dist.version if dist else None,
            summary=(dist.metadata.get("Summary") or "") if dist else "",
        )
    return dict(sorted(found.items()))


def core_version() -> str:
    """The installed version of Sportello itself."""
    try:
        return distribution(PROJECT_NAME).version
    except PackageNotFoundError:  # running from a source tree that was never installed
        from .. import __version__

        return __version__


def resolve_enabled(requested: Sequence[str] | None, installed: Iterable[str]) -> list[str]:
    """The plugin names to load: ``requested``, or every installed one when ``None``.

    Unknown names are refused here, before anything is imported.
    """
    available = sorted(set(installed))
    if requested is None:
        return available
    unknown = [name for name in requested if name not in available]
    if unknown:
        listing = ", ".join(available) or "none"
        raise PluginError(
            unknown[0],
            f"is not installed (installed plugins: {listing}). "
            "Fix SPORTELLO_PLUGINS or the 'plugins' line of the instance file, "
            "or install it with `pip install`.",
        )
    return sorted(dict.fromkeys(requested))


def dependency_order(infos: dict[str, PluginInfo]) -> list[str]:
    """Topological order of the enabled plugins: requirements first, ties by name.

    Optional plugins that are enabled are ordered before the plugins using them.
    """
    for info in infos.values():
        for required in info.requires:
            if required not in infos:
                raise PluginError(
                    info.name,
                    f"requires plugin {required!r}, which is not enabled or not installed. "
                    f"Enable {required!r} too, or disable {info.name!r}.",
                )

    def edges(info: PluginInfo) -> list[str]:
        return sorted({*info.requires, *(name for name in info.optional if name in infos)})

    order: list[str] = []
    state: dict[str, str] = {}

    def visit(name: str, path: list[str]) -> None:
        if state.get(name) == "done":
            return
        if state.get(name) == "visiting":
            cycle = path[path.index(name) :] + [name]
            raise PluginError(name, "is in a dependency cycle: " + " -> ".join(cycle) + ".")
        state[name] = "visiting"
        for dependency in edges(infos[name]):
            visit(dependency, [*path, name])
        state[name] = "done"
        order.append(name)

    for name in sorted(infos):
        visit(name, [])
    return order


def check_core_version(info: PluginInfo, version: str) -> None:
    """Refuse a plugin made for another range of core versions."""
    try:
        supported = SpecifierSet(info.core)
    except InvalidSpecifier:
        raise PluginError(info.name, f"declares an invalid core version range {info.core!r}.") from None
    if not supported.contains(Version(version), prereleases=True):
        raise PluginError(
            info.name,
            f"works with Sportello {info.core} but this is Sportello {version}. "
            "Install a version of the plugin made for this Sportello, or disable it.",
        )


def import_plugin(plugin: InstalledPlugin) -> ModuleType:
    """Import one enabled plugin, naming it in any failure."""
    try:
        return EntryPoint(plugin.name, plugin.module, ENTRY_POINT_GROUP).load()
    except Exception as error:  # any import-time failure must name the plugin
        raise PluginError(
            plugin.name,
            f"failed to import ({type(error).__name__}: {error}). "
            "Fix or reinstall it, or disable it with `sportello plugins disable "
            f"{plugin.name}`.",
        ) from error


def read_info(name: str, module: Any) -> PluginInfo:
    """The ``PLUGIN`` metadata of an imported plugin module."""
    info = getattr(module, "PLUGIN", None)
    if not isinstance(info, PluginInfo):
        raise PluginError(name, "has no PLUGIN = sportello.PluginInfo(...) in its module.")
    if info.name != name:
        raise PluginError(name, f"declares the name {info.name!r}, but its entry point is {name!r}.")
    return info


class PluginManager:
    """The application's plugin registry: a pluggy manager plus Sportello's metadata.

    One per application, built by :func:`load_plugins`; find it as
    ``app.extensions["sportello"].plugins``.
    """

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager(PROJECT_NAME)
        self.pm.add_hookspecs(hookspecs)
        self.loaded: dict[str, LoadedPlugin] = {}
        self.installed: dict[str, InstalledPlugin] = {}

    @property
    def hook(self) -> Any:
        """The pluggy hook relay: ``plugins.hook.menu_items(user=...)``."""
        return self.pm.hook

    @property
    def order(self) -> list[str]:
        """Enabled plugin names in dependency order (the core's own plugin excluded)."""
        return [name for name in self.loaded if name != "core"]

    def register(self, name: str, module: Any, info: PluginInfo, installed: InstalledPlugin | None) -> None:
        """Register one plugin object and the hook specifications it publishes."""
        try:
            self.pm.register(module, name=name)
        except (pluggy.PluginValidationError, ValueError) as error:
            raise PluginError(name, f"cannot be registered: {error}") from error
        self.loaded[name] = LoadedPlugin(info=info, module=module, installed=installed)
        self._refuse_submodules_named_like_hooks(name, module)
        for impl in self.implementations("plugin_hookspecs"):
            if impl.plugin_name == name:
                for specs in impl.function():
                    self.pm.add_hookspecs(specs)

    def _refuse_submodules_named_like_hooks(self, name: str, module: Any) -> None:
        """A submodule ``deadlines.py`` beside a hook function ``deadlines`` replaces the
        function on the package once imported, and the next app silently loses the hook."""
        folders = getattr(module, "__path__", None)
        if not folders:
            return
        hooks = {hook for hook in dir(self.pm.hook) if not hook.startswith("_")}
        for found in pkgutil.iter_modules(folders):
            if found.name in hooks and callable(getattr(module, found.name, None)):
                raise PluginError(name, f"has a submodule named like its hook '{found.name}': importing it replaces the "
                                        f"hook function on the package; rename the module")

    def check(self) -> None:
        """Catch hook implementations that match no specification (typos)."""
        try:
            self.pm.check_pending()
        except pluggy.PluginValidationError as error:
            plugin = self.pm.get_name(error.plugin) or "?"
            raise PluginError(plugin, f"implements an unknown hook: {error}") from error

    def implementations(self, hook_name: str) -> list[Any]:
        """The pluggy ``HookImpl`` objects of a hook, in dependency order."""
        caller = getattr(self.pm.hook, hook_name)
        by_plugin = {impl.plugin_name: impl for impl in caller.get_hookimpls()}
        return [by_plugin[name] for name in self.loaded if name in by_plugin]

    def call_in_order(self, hook_name: str, **kwargs: Any) -> list[tuple[str, Any]]:
        """Call ``hook_name`` plugin by plugin in dependency order, with each result named.

        Used where order matters (demo data, migrations) or where the caller needs to
        know which plugin answered; a failure names the plugin.
        """
        results = []
        for impl in self.implementations(hook_name):
            try:
                result = impl.function(*[kwargs[arg] for arg in impl.argnames])
            except PluginError:
                raise
            except Exception as error:
                raise PluginError(
                    impl.plugin_name, f"failed in hook {hook_name}: {type(error).__name__}: {error}"
                ) from error
            if result is not None:
                results.append((impl.plugin_name, result))
        return results

    def collect(self, hook_name: str, **kwargs: Any) -> list[Any]:
        """Call a list-returning hook on every plugin and flatten the lists."""
        items: list[Any] = []
        for _name, result in self.call_in_order(hook_name, **kwargs):
            items.extend(result)
        return items


def load_plugins(requested: Sequence[str] | None, builtin: Iterable[tuple[str, Any, PluginInfo]] = ()) -> PluginManager:
    """Build the plugin manager: discover, check, import and register enabled plugins.

    :param requested: names from the configuration, or ``None`` for every installed plugin.
    :param builtin: plugin objects that are part of the core, registered first.
    """
    manager = PluginManager()
    manager.installed = installed_plugins()
    for name, module, info in builtin:
        manager.register(name, module, info, None)
    enabled = resolve_enabled(requested, manager.installed)
    modules = {name: import_plugin(manager.installed[name]) for name in enabled}
    infos = {name: read_info(name, module) for name, module in modules.items()}
    version = core_version()
    for info in infos.values():
        check_core_version(info, version)
    for name in dependency_order(infos):
        manager.register(name, modules[name], infos[name], manager.installed[name])
    manager.check()
    log.debug("plugins enabled: %s", ", ".join(manager.order) or "none")
    return manager
