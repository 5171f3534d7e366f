"""Spider conventions, checked rather than written down (after kingfisher-collect's checkall):
file name, class name and `name` agree; every spider documents its platform and
arguments; every registry platform has a spider; the base classes are few and
document the attributes a platform spider sets."""
from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

import pytest
import scrapy

import crawler.spiders
from crawler import registry
from crawler.spiders import base
from crawler.spiders.base import PortalSpider

MODULES = [m.name for m in pkgutil.iter_modules(crawler.spiders.__path__) if m.name != "base"]


def spiders_in(name: str):
    module = importlib.import_module(f"crawler.spiders.{name}")
    return module, [c for _, c in inspect.getmembers(module, inspect.isclass)
                    if issubclass(c, PortalSpider) and c.__module__ == module.__name__]


def test_there_are_spiders():
    assert len(MODULES) >= len(registry.PLATFORMS)


@pytest.mark.parametrize("name", MODULES)
def test_file_class_and_name_agree(name):
    module, classes = spiders_in(name)
    assert len(classes) == 1, f"{name}.py should define exactly one spider"
    cls = classes[0]
    assert cls.__name__ == f"{name.capitalize()}Spider"
    assert cls.__name__.lower().removesuffix("spider") == name
    assert cls.name == name and cls.platform == name


@pytest.mark.parametrize("name", MODULES)
def test_spider_documents_platform_and_arguments(name):
    module, (cls,) = spiders_in(name)
    doc = module.__doc__ or ""
    assert f"Platform: {name}" in doc, f"{name}.py: say 'Platform: {name}' in the module docstring"
    assert re.search(r"Arguments:.*\bportal\b.*\brun_id\b", doc, re.S), f"{name}.py: document the arguments"
    assert cls.__doc__ and re.search(r"Arguments:.*\bportal\b.*\brun_id\b", cls.__doc__, re.S)


@pytest.mark.parametrize("name", MODULES)
def test_spider_takes_the_documented_arguments(name):
    _, (cls,) = spiders_in(name)
    params = inspect.signature(cls.__init__).parameters
    assert "portal" in params and "run_id" in params


def test_every_registry_platform_has_a_spider():
    used = {p.platform for p in registry.load().portals} | set(registry.PLATFORMS)
    assert used <= set(MODULES), f"no spider for {sorted(used - set(MODULES))}"


def test_few_documented_base_classes():
    bases = [c for _, c in inspect.getmembers(base, inspect.isclass)
             if issubclass(c, scrapy.Spider) and c.__module__ == base.__name__]
    assert 1 <= len(bases) <= 3
    for cls in bases:
        assert not getattr(cls, "name", None), f"{cls.__name__} is a base class: no spider name"
        assert f"{cls.__name__}(" in base.__doc__, f"document {cls.__name__} in the module docstring"


def test_base_classes_document_their_attributes():
    for attribute in ("platform", "body_area", "detail_url", "list_url", "list_area", "max_list_pages",
                      "NIANBAO_MAX_LIST_PAGES", "DEPTH_LIMIT", "pages(response)", "list_requests(response)",
                      "rows(response)"):
        assert attribute in base.__doc__, f"crawler/spiders/base.py: document {attribute}"


@pytest.mark.parametrize("name", MODULES)
def test_platform_attributes_are_declared_not_invented(name):
    """A spider sets only attributes its base classes document (plus Scrapy's `name`)."""
    _, (cls,) = spiders_in(name)
    own = {k for k, v in vars(cls).items() if not k.startswith("_") and not callable(v)
           and not isinstance(v, (staticmethod, classmethod, property))}
    assert own <= {"name", "platform", "body_area", "detail_url", "list_url", "list_area", "max_list_pages",
                   "custom_settings"}, own
