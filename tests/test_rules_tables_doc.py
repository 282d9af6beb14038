"""docs/tables.md keeps up with the code: every table a run folder holds has its section (`## `<name>.csv`: ...`),
and every column of the table's header constant has its row in that section's column table (a table whose header
starts with `column`), named in backticks; no such row names a column the table does not have. A new column, a
renamed one or a new table fails here until the page documents it."""
from __future__ import annotations

import re

import pytest

import sim
from sim.adverse_events import AE_COLUMNS
from sim.dosing_dataset import DOSING_COLUMNS
from sim.readouts.tables import READOUTS_COLUMNS, TTE_COLUMNS
from sim.runner import SURVIVAL_COLUMNS, run_to_folder
from sim.tasks import EVENT_COLUMNS, LAB_COLUMNS, PATIENT_COLUMNS

from .conftest import ROOT

DOC = ROOT / "docs" / "tables.md"

#: every CSV table of a run folder and the constant that writes its header
TABLES = {
    "dosing.csv": DOSING_COLUMNS,
    "events.csv": EVENT_COLUMNS,
    "patients.csv": PATIENT_COLUMNS,
    "labs.csv": LAB_COLUMNS,
    "adverse_events.csv": AE_COLUMNS,
    "survival.csv": SURVIVAL_COLUMNS,
    "time_to_event.csv": TTE_COLUMNS,
    "readouts.csv": READOUTS_COLUMNS,
}

_HEADING = re.compile(r"^## `([^`]+)`", re.MULTILINE)


def sections(text: str) -> dict[str, str]:
    """The text of each `## `<file>`` section, up to the next `## ` heading, by file name."""
    out: dict[str, str] = {}
    starts = [m for m in re.finditer(r"^## ", text, re.MULTILINE)]
    for k, m in enumerate(starts):
        end = starts[k + 1].start() if k + 1 < len(starts) else len(text)
        head = _HEADING.match(text, m.start())
        if head is not None:
            assert head.group(1) not in out, f"docs/tables.md: two sections for {head.group(1)}"
            out[head.group(1)] = text[m.start():end]
    return out


def column_rows(section: str) -> list[str]:
    """The names in the first cell of the rows of the section's column tables (header `| column | ...`)."""
    names, in_table = [], False
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.lstrip().startswith("|") else None
        if cells is None:
            in_table = False
            continue
        if not in_table:
            in_table = cells[0] == "column"
            continue
        if set(cells[0]) <= set("-: "):           # the separator row
            continue
        m = re.fullmatch(r"`([^`]+)`", cells[0])
        assert m, f"docs/tables.md: a column row without a `name` first: {line}"
        names.append(m.group(1))
    return names


@pytest.fixture(scope="module")
def doc() -> dict[str, str]:
    return sections(DOC.read_text(encoding="utf-8"))


@pytest.mark.parametrize("table", list(TABLES))
def test_rules_tables_doc_documents_every_column(doc, table):
    """The table's section exists, names each column in backticks, and gives each its own row of a column table."""
    assert table in doc, f"docs/tables.md has no section '## `{table}`: ...'"
    text = doc[table]
    columns = TABLES[table]
    missing = [c for c in columns if f"`{c}`" not in text]
    assert not missing, f"docs/tables.md, section {table}: columns not documented: {missing}"
    rows = column_rows(text)
    no_row = [c for c in columns if c not in rows]
    assert not no_row, f"docs/tables.md, section {table}: columns without a row in its column table: {no_row}"


@pytest.mark.parametrize("table", list(TABLES))
def test_rules_tables_doc_has_no_stale_columns(doc, table):
    """Every row of the section's column tables is a column of the table, documented once."""
    rows = column_rows(doc[table])
    stale = [c for c in rows if c not in TABLES[table]]
    assert not stale, f"docs/tables.md, section {table}: rows for columns the table does not have: {stale}"
    twice = sorted({c for c in rows if rows.count(c) > 1})
    assert not twice, f"docs/tables.md, section {table}: columns documented twice: {twice}"


def test_rules_tables_doc_covers_every_table_of_a_run(tmp_path, doc):
    """A run folder's CSV tables are exactly the tables above, each with the header of its constant, and the page has
    a section for each (a new table needs its section here and in docs/tables.md)."""
    scn = sim.load_scenario("compare-regimens", overrides=["run.patients=4"])
    folder = tmp_path / "run"
    run_to_folder(scn, folder, figures=False)
    written = {p.name for p in folder.glob("*.csv")}
    assert written == set(TABLES)
    for name in written:
        with (folder / name).open(encoding="utf-8") as fh:
            header = fh.readline().rstrip("\n").split(",")
        assert tuple(header) == TABLES[name], name
    assert set(doc) >= set(TABLES)
