"""The HTML report of a run folder: complete, self-contained, no external resources, clear errors."""
from __future__ import annotations

import html
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

import sim
from sim.bundled import bundled
from sim.report import find_sources, write_report
from sim.runner import run_to_folder

LABELS = ("patients", "patient-years", "relapses", "pooled ARR", "reduction of median ARR", "relapse-free share",
          "KM relapse-free at week 52", "EDSS worsened share", "leukopenia any WHO grade", "infections")


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> tuple[Path, str]:
    run = tmp_path_factory.mktemp("report") / "run"
    sets = ("run.patients=12", "run.follow_up_days=200")
    run_to_folder(sim.load_scenario(bundled()["compare-regimens"], list(sets)), run, str(bundled()["compare-regimens"]), sets)
    path = write_report(run)
    return run, path.read_text(encoding="utf-8")


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_rules_report_is_written_with_every_arm_and_readout(report):
    run, text = report
    assert (run / "report.html").is_file()
    assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
    summary = json.loads((run / "summary.json").read_text())
    for arm in summary["arms"]:
        assert f"<th>{arm}</th>" in text
    for label in LABELS:
        assert label in text, label
    assert str(summary["seed"]) in text and "compare-regimens" in text
    assert "NB rate ratio" in text and "log-rank" in text
    assert "Screening log" in text and f"Screened {summary['screening']['screened']}" in text


def test_rules_report_embeds_every_figure_as_a_data_uri(report):
    run, text = report
    pngs = sorted((run / "figures").glob("*.png"))
    assert {p.stem for p in pngs} >= {"km", "arr", "wbc", "cumulative_dose"}     # figures made by the report itself
    parser = Tags()
    parser.feed(text)
    imgs = [a for tag, a in parser.tags if tag == "img"]
    assert len(imgs) == len(pngs)
    assert all(a["src"].startswith("data:image/png;base64,") for a in imgs)
    assert text.count('<img src="data:image/png;base64,') == len(pngs)


def test_rules_report_has_no_external_resources(report):
    _, text = report
    assert "http://" not in text and "https://" not in text
    assert "<link" not in text.lower() and "<script" not in text.lower() and "@import" not in text
    p = Tags()
    p.feed(text)
    for tag, attrs in p.tags:
        for key in ("src", "href"):
            assert not attrs.get(key) or attrs[key].startswith("data:"), (tag, attrs)


def test_rules_report_lists_the_sources_and_the_resolved_scenario(report):
    run, text = report
    scenario = json.loads((run / "manifest.json").read_text())["scenario"]
    sources = find_sources(scenario)
    assert len(sources) >= 10
    assert "[Chen2025]: median onset 43 (Oxford); assumption: sd" in text
    assert re.search(r"<pre>\{\s*&quot;title&quot;", text)
    assert "&quot;wbc_bands&quot;" in text


def test_rules_report_defangs_urls_and_escapes_markup(tmp_path, report):
    run, _ = report
    copy = tmp_path / "copy"
    shutil.copytree(run, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["scenario"]["cohort"]["age_years"]["source"] = "<script>x</script> see https://example.org/trial"
    (copy / "manifest.json").write_text(json.dumps(manifest))
    text = write_report(copy).read_text(encoding="utf-8")
    assert "https://" not in text and "<script" not in text
    assert "&lt;script&gt;x&lt;/script&gt; see https:&#47;&#47;example.org/trial" in text


def test_rules_report_refuses_a_folder_without_summary(tmp_path):
    folder = tmp_path / "not-a-run"
    folder.mkdir()
    (folder / "manifest.json").write_text("{}")
    with pytest.raises(ValueError, match="not-a-run") as err:
        write_report(folder)
    assert "summary.json" in str(err.value) and "\n" not in str(err.value)
    with pytest.raises(ValueError, match="no such folder"):
        write_report(tmp_path / "missing")


def test_rules_report_embeds_the_scenario_file_with_its_comments(report):
    """Most citations are TOML comments, which the resolved scenario loses: the file's text, as the run copied it into
    its folder, is in the report, escaped."""
    run, text = report
    toml = bundled()["compare-regimens"].read_text(encoding="utf-8")
    assert (run / "scenario.toml").read_text(encoding="utf-8") == toml
    comments = [line for line in toml.splitlines() if line.lstrip().startswith("#")]
    assert len(comments) >= 3
    block = re.search(r"<pre class=toml>(.*?)</pre>", text, re.S)
    assert block and html.unescape(block.group(1)).replace(":&#47;&#47;", "://") == toml
    assert "as the run read it" in text


def test_rules_report_reads_only_its_own_copy_of_the_scenario(tmp_path, report):
    """A manifest naming another file changes nothing (the report never reads a path from it); a copy changed since
    the run, or none, is not shown, with a note."""
    run, _ = report
    copy = tmp_path / "copy"
    shutil.copytree(run, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-LINE\n")
    manifest["scenario_file"] = str(secret)
    (copy / "manifest.json").write_text(json.dumps(manifest))
    text = write_report(copy).read_text(encoding="utf-8")
    assert "TOP-SECRET-LINE" not in text and "as the run read it" in text
    (copy / "scenario.toml").write_text((copy / "scenario.toml").read_text() + "\n# an added comment\n")
    text = write_report(copy).read_text(encoding="utf-8")
    assert "does not match the SHA-256" in text and "# an added comment" not in text
    (copy / "scenario.toml").unlink()
    (copy / "scenario.toml").symlink_to(secret)
    text = write_report(copy).read_text(encoding="utf-8")
    assert "holds no copy" in text and "TOP-SECRET-LINE" not in text


def test_rules_report_regression_to_the_mean_keeps_its_numbers(report):
    run, text = report
    rtm = json.loads((run / "summary.json").read_text())["comparison"]["regression_to_the_mean"]
    assert f"the median ARR fell by {rtm['untreated_median_arr_reduction_percent']:.0f}% from the pre-study year" in text
    for arm, t in rtm["treated_arms"].items():
        assert f"<td>{arm}</td><td class=num>{t['median_arr_reduction_percent']:.0f}%</td>" in text
    assert "Why: the entry rule selects patients" in text
