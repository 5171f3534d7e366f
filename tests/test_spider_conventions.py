"""Spider conventions, checked rather than written down (after kingfisher-collect's checkall):
file name, class name and `name` agree; every spider documents its platform and
arguments; every registry platform has a spider."""
from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import crawler.spiders
from crawler import registry
from crawler.spiders.base import PortalSpider

MODULES = [m.name for m in pkgutil.iter_modules(crawler.spiders.__path__) if m.name != "base"]


def spiders_in(name: str):
    module = importlib.import_module(f"crawler.spiders.{name}")
    return module, [c for _, c in inspect.getmembers(module, inspect.isclass)
                    if issubclass(c, PortalSpider) and c.__module__ == module.__name__]


@pytest.mark.parametrize("name", MODULES)
def test_file_class_and_name_agree(name):
    module, classes = spiders_in(name)
    assert len(classes) == 1, f"{name}.py should define exactly one spider"
    cls = classes[0]
    assert cls.__name__ == f"{name.capitalize()}Spider"
    assert cls.name == name and cls.platform == name


@pytest.mark.parametrize("name", MODULES)
def test_spider_documents_platform_and_arguments(name):
    module, (cls,) = spiders_in(name)
    doc = module.__doc__ or ""
    assert f"Platform: {name}" in doc, f"{name}.py: say 'Platform: {name}' in the module docstring"
    assert "Arguments:" in doc and "portal" in doc and "run_id" in doc
    assert cls.__doc__ and "Arguments:" in cls.__doc__


def test_every_registry_platform_has_a_spider():
    used = {p.platform for p in registry.load().portals} | set(registry.PLATFORMS)
    assert used <= set(MODULES), f"no spider for {sorted(used - set(MODULES))}"


def test_base_class_documents_its_attributes():
    for attribute in ("platform", "list_pages", "detail_pages", "max_list_pages"):
        assert attribute in inspect.getmodule(PortalSpider).__doc__
