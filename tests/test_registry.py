"""The portal registry: loading, filtering, validation, and `nianbao portals`."""
from __future__ import annotations

import subprocess
import sys

from crawler import registry

from .conftest import REPO

GOOD = ("id,body,level,province,platform,start_urls,report_urls,hosts,tls_profile,ip_version,proxy_country,notes\n"
        "a,甲县人民政府,county,云南,trs,https://a.gov.cn/zfxxgknb/,,,,,,\n"
        "b,乙镇人民政府,township,四川,generic,https://b.gov.cn/,https://b.gov.cn/1.html,cdn.b.com,legacy,6,CN,\n")


def test_builtin_registry_is_valid_and_seeded():
    reg = registry.load()
    assert reg.problems == []
    assert len(reg.portals) >= 100  # seeded from the 114 research URLs
    assert {p.platform for p in reg.portals} <= set(registry.PLATFORMS)
    huaian_like = [p for p in reg.portals if p.report_urls]
    assert all(u.startswith("http") for p in huaian_like for u in p.report_urls)


def test_filters():
    reg = registry.parse(GOOD)
    assert [p.id for p in reg.select(province="云南")] == ["a"]
    assert [p.id for p in reg.select(level="township")] == ["b"]
    assert [p.id for p in reg.select(platform="generic", ids=["b"])] == ["b"]
    b = reg.select(ids=["b"])[0]
    assert b.allowed_hosts == ("b.gov.cn", "cdn.b.com")
    assert (b.tls_profile, b.ip_version, b.proxy_country) == ("legacy", "6", "CN")


def test_broken_rows_are_reported_not_ignored():
    bad = GOOD + ("c,,county,云南,trs,https://c.gov.cn/,,,,,,\n"          # no body
                  "d,丁县,village,云南,trs,https://d.gov.cn/,,,,,,\n"      # bad level
                  "e,戊县,county,云南,wordpress,ftp://e.gov.cn/,,,,,,\n"   # bad platform and URL
                  "a,重复,county,云南,trs,https://x.gov.cn/,,,,7,,\n")     # duplicate id, bad ip version
    reg = registry.parse(bad, "test.csv")
    assert [p.id for p in reg.portals] == ["a", "b"]
    text = "\n".join(reg.problems)
    for needle in ("line 4: no body", "line 5: level 'village'", "platform 'wordpress'", "ftp://e.gov.cn/",
                   "line 7: ip_version '7'", "duplicate id 'a'"):
        assert needle in text


def test_cli_lists_filters_and_validates(tmp_path):
    bad = tmp_path / "reg.csv"
    bad.write_text(GOOD + "z,,county,云南,trs,https://z.gov.cn/,,,,,,\n", encoding="utf-8")
    run = lambda *a: subprocess.run([sys.executable, "-m", "archive.cli", "portals", *a],  # noqa: E731
                                    capture_output=True, text=True, cwd=REPO, timeout=60)
    listed = run("--registry", str(bad), "--province", "四川")
    assert listed.returncode == 0 and "乙镇人民政府" in listed.stdout and "甲县" not in listed.stdout
    checked = run("--registry", str(bad), "--validate")
    assert checked.returncode == 1 and "line 4: no body" in checked.stdout
    assert run("--validate").returncode == 0
