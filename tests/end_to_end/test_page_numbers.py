"""Every percentage on the home, trust, decoy and baseline pages, and every decimal on the trust
page, is the manifest's value rounded to nearest at the precision the page shows it with.

After one quick build with the decoy check on (the session's ``quick_build``), each page's
generated Markdown is read and every number in it is found. Each is matched to the manifest field
it must come from: a table cell by its table, row and column headings (rows named with the titles
the pages themselves use), a number in prose by the words around it. A number that no mapping
claims fails the test, so a number added to one of these pages needs its source named here.
Numbers that are not this build's measurements (a rule's threshold, a setting, a measurement the
page dates) are claimed too, each with what it is checked against.

The rounding is checked with a formula written here, not with ``generator.plumbing.numbers``:
the manifest's number, as its decimal text, rounded half away from zero to as many decimals as
the page shows. Rounding down (or half to even on the binary value) fails it.

The mappings rely on these page structures (update them with the pages):

- home (index.md): the bold test accuracy; the rows of the "Item | Value" tables by their labels
  (Test accuracy, Pixels it never reads, Origin, IG quadrature, the completeness errors, the "IG
  maps above the … tolerance" label, the map change, the EG noise, the whole test set); the
  per-class accuracy table, one row per class in class order.
- trust (trust.md): the method card's verdict tables (their exact headers: the randomisation
  effects; deletion and insertion per fill, with the control row, the better model-free order,
  re-derived here); the measures table (found by its "Efficient MPRT" column), the random-label
  table (its exact header), the another-class table (by "ms per image") and the "Zero in both
  maps" table, all by column heading; the independent-randomisation table (a column per layer,
  "a / b / c" cells); the ends table (rows black, blurred, ROAD); the controls' deletion
  and insertion table (columns by position, a row per control); the prose of the unreachable pixels, the
  data randomisation, Smooth MPRT, ROAD and the deletion step.
- decoy (decoy.md): the dated hand-written measurement; the swapped share, the readable share,
  the chance rank accuracy; the accuracies and the accuracy lost (in pp) of both models; the rank
  table ("Difference" in pp), the mass table ("Decoy ÷ normal" as ×) and the corner table (rows
  by method and model, columns by corner).
- baselines (methods/baselines.md): the two black-share tables, the "The others do:" sentence,
  the three examples (from ``baselines.missing_ink``: the missing-ink share, the share from more
  draws and from each half of them, the share of black pixels; the noise of the example's map,
  from ``examples``), the median mistake's share, the completeness errors of the study (EG's
  relative to Δ and to Σ|EG|).

Not in the manifest, so claimed but not checked (each named where it is claimed): the decoy
page's dated measurement (99.29% / 94.69%).
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest

from generator.figures.baselines import COLUMN_TITLES
from generator.figures.trust import title as method_title
from generator.stages.baselines import COLUMNS as BASELINE_COLUMNS
from generator.stages.faithfulness import bootstrap
from generator.stages.randomisation import train_on_random_labels
from generator.stages.precision import Z_95
from generator.stages.road import ROAD_NOISE

PERCENT = re.compile(r"(?<![\w.])-?\d[\d,]*(?:\.\d+)?%")
DECIMAL = re.compile(r"(?<![\w.#&;/-])-?\d+\.\d+(?![\d%.])")
TIMES = re.compile(r"(?<![\w.])-?\d[\d,]*(?:\.\d+)?×(?!\d)")  # a ratio, "2.15×"; not "4×4"
POINTS = re.compile(r"-?\d+(?:\.\d+)?(?= pp)|(?<=pp \[)-?\d+(?:\.\d+)?|(?<=,[\s\u00a0])-?\d+(?:\.\d+)?(?=\])")
METHODS = ("gradient", "saliency", "gradient_x_input", "smoothgrad", "integrated_gradients", "expected_gradients")
UNSIGNED = {"saliency"}  # its signed and |map| similarities are one number; the pages show |map|'s


# ---- the reader's rounding ---------------------------------------------------------------------

def reads_as(value: float, shown: str, how: str = "nearest", scale: float | None = None,
             rounding: str = ROUND_HALF_UP) -> bool:
    """Whether ``shown`` ("29.8%", "-0.07", "1,234.5%", "2.15×") is ``value`` as a reader expects it
    (``scale``: what the value is multiplied by before it is shown; by default 100 for a
    percentage, else 1; 100 for percentage points).

    ``how``: "nearest", rounded half away from zero at the shown precision, from the decimal text
    of the value; "six", the same for a manifest value published to six significant digits (any
    value that rounds to it may be what the page rounded); "exact", a setting, shown exactly.
    """
    number = Decimal(shown.rstrip("%×").replace(",", ""))
    places = max(0, -number.as_tuple().exponent)
    scale = scale or (100 if shown.endswith("%") else 1)
    exact = Decimal(repr(float(value))) * Decimal(repr(scale))
    if how == "exact":
        return number == exact
    step = Decimal(1).scaleb(-places)
    if how == "six":
        half = Decimal(1).scaleb(Decimal(repr(float(value))).adjusted() - 6) * 5 * Decimal(repr(scale))
        low, high = (exact - half).quantize(step, ROUND_HALF_UP), (exact + half).quantize(step, ROUND_HALF_UP)
        return min(low, high) <= number <= max(low, high)
    return number == exact.quantize(step, rounding)


def test_the_reference_rounding_is_a_readers():
    assert reads_as(0.2977, "29.8%") and not reads_as(0.2977, "29.7%")  # the review's floored case
    assert reads_as(0.004896, "0.49%") and not reads_as(0.004896, "0.48%")
    assert reads_as(0.285, "0.29") and not reads_as(0.285, "0.28")  # not Python's binary rounding
    assert reads_as(-0.004, "-0.00") and reads_as(-0.004, "0.00") and reads_as(0.0004, "0.04%")
    assert reads_as(0.02, "2.0%", "exact") and not reads_as(0.0125, "1.3%", "exact")
    # Published as 0.05235 (six digits): 0.0523499… or 0.05235…, so 5.23% and 5.24% are both right.
    assert reads_as(0.05235, "5.23%", "six") and reads_as(0.05235, "5.24%", "six")
    assert not reads_as(0.05235, "5.23%") and not reads_as(0.05235, "5.22%", "six")  # exact text: the tie goes up


# ---- pages: tokens, tables, claims ---------------------------------------------------------------

@dataclass(frozen=True)
class Cell:
    start: int
    text: str


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


def _cells(line: str, offset: int) -> tuple[Cell, ...]:
    """A Markdown table row's cells, split at unescaped pipes, with their offsets in the page."""
    cells, start = [], None
    for match in re.finditer(r"(?<!\\)\|", line):
        if start is not None:
            cells.append(Cell(offset + start, line[start:match.start()]))
        start = match.end()
    return tuple(cells)


def tables(text: str) -> list[Table]:
    """Every Markdown table of ``text``: its header cells and its body rows."""
    found, block, offset = [], [], 0
    for line in text.splitlines(keepends=True) + [""]:
        if line.startswith("|"):
            block.append((offset, line.rstrip("\n")))
        elif block:
            if len(block) >= 2 and re.fullmatch(r"\|[\s:|-]+\|?\s*", block[1][1]):
                head = _cells(block[0][1], block[0][0])
                found.append(Table(tuple(c.text.strip() for c in head),
                                   tuple(_cells(row, start) for start, row in block[2:])))
            block = []
        offset += len(line)
    return found


@dataclass
class Claim:
    """The numbers in ``text[start:end]`` (in order) come from ``values``; None: a number the
    manifest does not publish (named in ``where``), claimed but not checked."""
    where: str
    start: int
    end: int
    values: Sequence[float | None]
    how: str = "nearest"
    scale: float | None = None  # 100 for percentage points


@dataclass
class Page:
    name: str
    text: str
    pattern: re.Pattern
    claims: list[Claim] = field(default_factory=list)

    def table(self, *columns: str) -> Table:
        """The one table whose header has all of ``columns``."""
        matches = [t for t in tables(self.text) if all(c in t.header for c in columns)]
        assert len(matches) == 1, f"{self.name}: {len(matches)} tables with the columns {columns}"
        return matches[0]

    def table_exact(self, *columns: str) -> Table:
        """The one table whose header is exactly ``columns``."""
        matches = [t for t in tables(self.text) if tuple(h for h in t.header if h) == columns]
        assert len(matches) == 1, f"{self.name}: {len(matches)} tables with the header {columns}"
        return matches[0]

    def line(self, regex: str) -> Line | None:
        """The one line that starts with ``regex``, to claim numbers in by phrase (None when absent)."""
        matches = list(re.finditer(rf"^{regex}[^\n]*", self.text, flags=re.M))
        assert len(matches) <= 1, f"{self.name}: {len(matches)} lines {regex!r}"
        return Line(self, matches[0].start(), matches[0].end()) if matches else None

    def cell(self, table: Table, row: str | tuple[str, ...] | int, column: str | int, where: str,
             values: Sequence[float | None], how: str = "nearest", scale: float | None = None) -> None:
        """Claim the cell of ``row`` (its first cell's text, asterisks stripped, or its first cells'
        texts, or an index) and ``column`` (a heading, or an index)."""
        def named(r: tuple[Cell, ...]) -> bool:
            labels = (row,) if isinstance(row, str) else row
            return tuple(c.text.strip().strip("*") for c in r[:len(labels)]) == labels
        rows = [table.rows[row]] if isinstance(row, int) else [r for r in table.rows if named(r)]
        assert len(rows) == 1, f"{self.name}: {len(rows)} rows {row!r} in the table {table.header}"
        index = table.header.index(column) if isinstance(column, str) else column
        cell = rows[0][index]
        self.claims.append(Claim(where, cell.start, cell.start + len(cell.text), values, how, scale))

    def prose(self, regex: str, where: str, *values: float | None, how: str = "nearest", count: int = 1,
              scale: float | None = None) -> None:
        """Claim the numbers in group "v" of each of the ``count`` matches of ``regex``."""
        self.each(regex, where, [values] * count, how=how, scale=scale)

    def count(self, regex: str) -> int:
        """How often ``regex`` occurs (for a passage the page shows only in some builds)."""
        return len(re.findall(regex, self.text, flags=re.S))

    def each(self, regex: str, where: str, values: Sequence[Sequence[float | None]], how: str = "nearest",
             scale: float | None = None) -> None:
        """Claim the numbers in group "v" of the matches of ``regex``, the k-th from ``values[k]``."""
        matches = list(re.finditer(regex, self.text, flags=re.S))
        assert len(matches) == len(values), f"{self.name}: {len(matches)} matches of {regex!r}, {len(values)} expected"
        for match, expected in zip(matches, values):
            self.claims.append(Claim(where, match.start("v"), match.end("v"), expected, how, scale))

    def check(self) -> tuple[list[str], list[tuple[float, str, float | None]]]:
        """Problems found, and the (value, text, scale) compared to nearest."""
        problems, compared, claimed = [], [], set()
        for claim in self.claims:
            tokens = [m for m in self.pattern.finditer(self.text, claim.start, claim.end)]
            if len(tokens) != len(claim.values):
                problems.append(f"{claim.where}: {len(tokens)} numbers on the page "
                                f"({[t.group() for t in tokens]}), {len(claim.values)} expected")
                continue
            for token, value in zip(tokens, claim.values):
                claimed.add(token.start())
                if value is None:
                    continue
                if not reads_as(value, token.group(), claim.how, claim.scale):
                    problems.append(f"{claim.where}: page {token.group()!r}, manifest {value!r}")
                elif claim.how == "nearest":
                    compared.append((value, token.group(), claim.scale))
        for token in self.pattern.finditer(self.text):
            if token.start() not in claimed:
                line = self.text.count("\n", 0, token.start()) + 1
                problems.append(f"{token.group()!r} on line {line} comes from no mapping of this test")
        return [f"{self.name}: {p}" for p in problems], compared


def stated_levels(page: Page) -> None:
    """Claim every "95% bootstrap interval" (or band): the level the intervals are computed at."""
    level = inspect.signature(bootstrap).parameters["level"].default
    count = len(re.findall(LEVEL, page.text))
    if count:
        page.prose(LEVEL, "the intervals' level (bootstrap's default)", level, how="exact", count=count)


LEVEL = r"(?P<v>\d+%)(?= (?:bootstrap|interval|confidence))"


@dataclass
class Line:
    """A line of a page (a reading, a note) whose numbers are claimed phrase by phrase."""
    page: Page
    start: int
    end: int

    def phrase(self, regex: str, where: str, *values: float | None, how: str = "nearest",
               optional: bool = False) -> None:
        """Claim the numbers in group "v" of ``regex``, found once in the line (or not at all if ``optional``)."""
        matches = list(re.finditer(regex, self.page.text[self.start:self.end]))
        line = self.page.text[self.start:self.end][:40]
        assert len(matches) == 1 or (optional and not matches), f"{self.page.name}: {len(matches)} {regex!r} in {line!r}"
        for match in matches:
            self.page.claims.append(Claim(f"{line}…: {where}", self.start + match.start("v"),
                                          self.start + match.end("v"), values, how))


def interval(value: dict[str, float]) -> list[float]:
    return [value["mean"], value["low"], value["high"]]


# ---- the pages' mappings -------------------------------------------------------------------------

def _item_rows(page: Page) -> dict[str, tuple[Cell, Cell]]:
    """The rows of the home page's "Item | Value" tables: label → (label cell, value cell)."""
    rows: dict[str, tuple[Cell, Cell]] = {}
    for table in tables(page.text):
        if table.header[:2] == ("Item", "Value"):
            for row in table.rows:
                label = row[0].text.strip()
                assert label not in rows, f"home: two rows {label!r}"
                rows[label] = (row[0], row[1])
    return rows


def home(page: Page, m: dict[str, Any]) -> None:
    page.prose(r"\*\*Test accuracy: (?P<v>[^*]+)\*\*", "the bold test accuracy", m["model"]["test_accuracy"])
    rows = _item_rows(page)
    completeness = m["attribution"]["completeness"]

    def item(label: str, *values: float | None, how: str = "nearest", cell: int = 1) -> None:
        found = [key for key in rows if key == label or (label.endswith("…") and key.startswith(label[:-1]))]
        assert len(found) == 1, f"home: {len(found)} rows {label!r}"
        target = rows[found[0]][cell]
        page.claims.append(Claim(f"the row {found[0]!r}", target.start, target.start + len(target.text), values, how))

    item("Test accuracy", m["model"]["test_accuracy"])
    if "Pixels it never reads" in rows:  # the share of the image, from the counts beside it
        unread = re.search(r"(?:\(|&#40;)(?P<n>[\d,]+) of (?P<total>[\d,]+) pixels, (?P<v>[^\s&]+%)", page.text)
        assert unread, "home: the unread border's counts"
        pixels = int(unread["n"].replace(",", ""))
        if m.get("decoy"):
            assert pixels == m["decoy"]["unread_border"]["pixels"], "home: unread pixels differ from the manifest's"
        page.claims.append(Claim("the unread border's share", unread.start("v"), unread.end("v"),
                                 [pixels / int(unread["total"].replace(",", ""))]))
    description = m["model"]["description"]
    origin = [float(t.group().rstrip("%").replace(",", "")) / 100 for t in PERCENT.finditer(description)]
    item("Origin", *origin)  # the model's description, as the manifest has it (e.g. the warm-up share)
    if "IG quadrature" in rows and "adaptive" in rows["IG quadrature"][1].text:
        item("IG quadrature", m["settings"]["attribution"]["tolerance"], m["settings"]["attribution"]["map_tolerance"],
             how="exact")
    item("Median completeness error", completeness["median_relative_error"])
    item("Maximum completeness error", completeness["max_relative_error"])
    item("IG maps above the …", completeness["tolerance"], how="exact", cell=0)
    if any(key.startswith("IG maps' change") for key in rows):
        item("IG maps' change…", completeness["median_map_change"], completeness["max_map_change"])
    if any(key.startswith("Expected Gradients' estimated noise") for key in rows):
        item("Expected Gradients' estimated noise", completeness["median_eg_noise"], completeness["max_eg_noise"])
    if m["whole_test_set"] is not None:
        item("Whole test set", m["whole_test_set"]["median_relative_error"])
    per_class = page.table("Class", "Test images", "Correct", "Accuracy")
    accuracies = m["model"]["per_class_accuracy"]
    assert len(per_class.rows) == len(accuracies), "home: one row per class, in class order"
    for k, accuracy in enumerate(accuracies):
        page.cell(per_class, k, "Accuracy", f"class {k}'s accuracy", [accuracy])


def trust(page: Page, m: dict[str, Any]) -> None:
    t = m["trust"]
    methods = t["methods"]

    def rank(key: str) -> str:  # the rank measure a reading uses: signed, except for saliency
        return "spearman_abs" if key in UNSIGNED else "spearman"

    measures = ("Spearman of \\|map\\|", "\\|map\\|, non-zero pixels", "signed Spearman", "SSIM")
    keys = ("spearman_abs", "spearman_abs_support", "spearman", "ssim")
    randomised = page.table("Method", *measures, "Efficient MPRT", "Smooth MPRT")
    data = page.table_exact("Method", *measures)
    for key in METHODS:
        method, title = methods[key], method_title(key)
        full = {name: values[-1] for name, values in method["randomisation"]["intervals"].items()}
        for column, name in zip(measures, keys):
            page.cell(randomised, title, column, f"{title}, every layer randomised: {name}", interval(full[name]))
            page.cell(data, title, column, f"{title}, random-label network: {name}",
                      interval(method["data_randomisation"][name]))
        for column, name in (("Efficient MPRT", "efficient"), ("Smooth MPRT", "smooth")):
            page.cell(randomised, title, column, f"{title}: {column}", interval(method["mprt"][name]))
    card = page.table_exact("Method", "Model randomisation", "Data randomisation")
    for key in METHODS:
        method, title = methods[key], method_title(key)
        page.cell(card, title, "Model randomisation", f"{title}: the model-randomisation effect",
                  interval(method["randomisation"]["intervals"]["spearman_abs_support"][-1]))
        page.cell(card, title, "Data randomisation", f"{title}: the data-randomisation effect",
                  interval(method["data_randomisation"]["spearman_abs_support"]))
    for direction, better in (("deletion", min), ("insertion", max)):
        fills = {"black": "black", "blur": "blurred", "road": "ROAD"}
        verdicts = page.table_exact("Method", *(f"{direction.title()}: {name} fill" for name in fills.values()))
        for fill, name in fills.items():
            column = f"{direction.title()}: {name} fill"
            for key in METHODS:
                page.cell(verdicts, method_title(key), column, f"{method_title(key)} {direction} effect, {fill}",
                          interval(methods[key][f"{direction}_auc"][fill]))
            # The control: the better mean of the two model-free orders (the rule, re-derived here).
            control = better((t["controls"][c][f"{direction}_auc"][fill] for c in ("random", "image_only")),
                             key=lambda value: value["mean"])
            page.cell(verdicts, "Control", column, f"{direction} control, {fill}", interval(control))
    target = page.table("Method", "Another class: signed Spearman", "ms per image")
    for key in METHODS:
        method, title = methods[key], method_title(key)
        page.cell(target, title, "Another class: signed Spearman", f"{title} vs another class, signed",
                  interval(method["random_target"]["spearman"]))
        page.cell(target, title, "Another class: Spearman of \\|map\\|", f"{title} vs another class, |map|",
                  interval(method["random_target"]["spearman_abs"]))
        page.cell(target, title, "ms per image", f"{title} ms per image", [method["ms_per_image"]])
    unreachable = r"(?P<v>\S+%)\s+of\s+the\s+pixel\s+positions\s+have\s+a\s+gradient"
    page.prose(unreachable, "unreachable pixels", t["unreachable_share"], count=page.count(unreachable))
    if page.count(r"Zero in both maps"):
        shared = page.table("Method", "Zero in both maps")
        for key in METHODS:
            method, title = methods[key], method_title(key)
            page.cell(shared, title, 1, f"{title}: zero in both maps", [method["both_zero_share"]])
            page.cell(shared, title, 2, f"{title}: |map| against edges, trained", [method["image_only"]["spearman_abs"]])
            page.cell(shared, title, 3, f"{title}: |map| against edges, randomised",
                      [method["image_only_randomised"]["spearman_abs"]])
    layers = page.table("Method", *[f"{layer.replace('_', '&#95;')} alone" for layer in
                                     methods["gradient"]["randomisation"]["layers"]])
    for key in METHODS:
        independent = methods[key]["randomisation"]["independent"]
        for i in range(len(independent["ssim"])):
            page.cell(layers, method_title(key), i + 1, f"{method_title(key)} with layer {i + 1} alone randomised",
                      [independent[rank(key)][i], independent["spearman_abs_support"][i], independent["ssim"][i]])
    smooth = t["smooth_mprt"]
    target = m["settings"]["trust"]["area_precision"]
    page.prose(r"(?:within|at most)\s+±(?P<v>[\d.]+\d)(?:, see| wide)", "the areas' precision target (a setting)",
               target, how="exact", count=2)
    precision = t["sample_precision"]
    page.prose(r"within\s+±(?P<v>[\d.]+\d) \(`trust.similarity_precision`", "the randomisation effects' target",
               m["settings"]["trust"]["similarity_precision"], how="exact")
    page.prose(r"the widest is ±(?P<v>[\d.]+\d)", "the randomisation effects' widest half-width", precision["half_width"])
    page.prose(r"(?P<v>[\d.]+\d) · s / √n", "the normal quantile of a 95% interval (stages/precision.py)", Z_95)
    precise = page.table("Fill", "Images", "Widest half-width")
    for row, fill in (("black", "black"), ("blurred", "blur"), ("ROAD", "road")):
        page.cell(precise, row, "Widest half-width", f"the {fill} fill's widest half-width",
                  [t["fills"][fill]["precision"]["half_width"]])
    page.prose(r"\(σ = (?P<v>\S+%) of the image's range\)", "Smooth MPRT's noise", smooth["noise"], how="exact")
    labels = t["random_labels"]
    page.prose(r"larger step \((?P<v>[^)]+)\)", "the random-label learning rate (a setting)", labels["learning_rate"],
               how="exact")
    page.prose(r'<span class="gg-timing"[^>]*>\((?P<v>[^<]+) s\)</span>', "the random-label training time",
               labels["seconds"])
    page.prose(r"fits (?P<v>\S+%) of its\s+random training labels", "the random-label fit", labels["train_fit"])
    page.prose(r"On the real test labels it is (?P<v>\S+%) accurate", "the random-label accuracy",
               labels["test_accuracy"])
    target = inspect.signature(train_on_random_labels).parameters["fit_target"].default  # not in the manifest
    page.prose(r"stops once it fits (?P<v>\S+%) of its random\s+labels", "the fit target (a default argument)",
               target, how="exact")
    page.prose(r"ran out before (?P<v>\S+%)", "the fit target (a default argument)", target, how="exact",
               count=0 if labels["reached_target"] else 1)
    page.prose(r"where chance is (?P<v>\S+%)", "chance: one over the number of classes",
               1 / len(m["model"]["per_class_accuracy"]))
    fills = t["fills"]
    page.prose(r"\d+ pixels \((?P<v>[^)]+)\) at a time", "the deletion step", fills["black"]["fractions"][1])
    page.prose(r"every (?P<v>\S+%) of the pixels", "ROAD's step", fills["road"]["fractions"][1])
    page.prose(r"Gaussian noise of σ = (?P<v>[\d.]+\d)", "ROAD's noise (stages/road.py)", ROAD_NOISE, how="exact")
    page.prose(r"a straight line between them scores (?P<v>[\d.]+\d)", "the area under a straight line", 0.5,
               how="exact")
    ends = page.table("Fill", "Full image", "Fully filled image")
    for row, fill in (("black", "black"), ("blurred", "blur"), ("ROAD", "road")):
        page.cell(ends, row, "Full image", f"the {fill} curves' full-image score", interval(fills[fill]["image_score"]))
        page.cell(ends, row, "Fully filled image", f"the {fill} curves' filled score",
                  interval(fills[fill]["filled_score"]))
    areas = page.table("Control", "Deletion, black", "Insertion, black")
    columns = [(i, name) for i, name in enumerate(areas.header) if i]
    direction = "deletion"
    rows = [(method_title(name), t["controls"][name]) for name in ("random", "image_only")]
    for i, heading in columns:
        direction = heading.split(",")[0].lower() if "," in heading else direction
        fill = {"black": "black", "blurred": "blur", "road": "road"}[heading.split(", ")[-1].lower()]
        for title, source in rows:
            page.cell(areas, title, i, f"{title} {direction}, {fill}", interval(source[f"{direction}_auc"][fill]))


def baselines(page: Page, m: dict[str, Any]) -> None:
    shares = m["attribution"]["black_share"]
    methods = page.table("Method", "Share of \\|attribution\\| on black pixels")
    for key in METHODS:
        page.cell(methods, method_title(key), 1, f"{method_title(key)}'s black share", [shares[key]])
    seeing = re.search(r"The others do: (?P<v>[^\n]+(?:\n[^\n]+)*?)\.\n", page.text)
    if seeing:
        names = [key for key in METHODS if shares[key] > 0]
        page.claims.append(Claim("the 'The others do:' sentence", seeing.start("v"), seeing.end("v"),
                                 [shares[key] for key in names]))
    study = page.table("Map", "Share on black pixels")
    for title, column in zip(COLUMN_TITLES, BASELINE_COLUMNS):
        page.cell(study, title.replace("\n", " "), 1, f"the study's {column} black share",
                  [m["baselines"][column]["black_share"]])
    ig_errors = [e for column in BASELINE_COLUMNS[:-1] for e in m["baselines"][column]["relative_error"]]
    eg_errors = m["baselines"]["expected_gradients"]["relative_error"]
    page.prose(r"largest completeness error here is (?P<v>\S+%)", "IG's largest error in the study", max(ig_errors),
               how="six")
    page.prose(r"\((?P<v>\S+% to \S+%) of\s+Δ", "EG's errors relative to Δ in the study", min(eg_errors),
               max(eg_errors), how="six")
    of_mass = [e for e in m["baselines"]["expected_gradients"]["error_of_mass"] if e is not None]
    page.prose(r"sums are off by \S+ to \S+ \w+, (?P<v>\S+% to \S+%) of Σ\|EG\|", "EG's errors relative to Σ|EG|",
               min(of_mass, default=None), max(of_mass, default=None), how="six", count=page.count(r"of Σ\|EG\|"))
    examples = {e["test_index"]: e for e in m["examples"]}
    noise = []
    for index in m["baselines"]["black"]["test_index"]:  # the example's map: its contrast for a mistake
        e = examples[index]
        shown = e["contrast"] if e["true_label"] != e["predicted"] else next(
            t for t in e["targets"] if t["role"] == "predicted")
        noise.append([shown["expected_gradients_completeness"]["noise"]])
    floor = r"Noise floor:[^\n]*?about (?P<v>\S+%)"
    if page.count(floor):
        page.each(floor, "an example's EG noise (its map's, published per example)", noise, how="six")
    # Each example's share of positive EG attribution on black pixels, the same share from many more
    # draws and from each half of them, the share of its pixels that are black; the median mistake's share.
    ink = m["baselines"]["missing_ink"]
    assert ink["test_index"] == m["baselines"]["black"]["test_index"], "baselines: one missing-ink record per example"
    page.each(r"(?P<v>\S+%) of the positive \(red\) Expected-Gradients", "an example's missing-ink share",
              [[share] for share in ink["share"]])
    if page.count(r"draws the share is"):
        page.each(r"draws the share is (?P<v>\S+% \(from each half of those draws: \S+% and \S+%)\)",
                  "an example's missing-ink share from more draws, and from each half of them",
                  [[long, *halves] for long, halves in zip(ink["share_long"], ink["share_halves"])])
    page.each(r"For scale: (?P<v>\S+%) of this image's pixels are black", "an example's share of black pixels",
              [[black] for black, density in zip(ink["black_pixels"] or [], ink["density"] or []) if density is not None])
    page.prose(r"median\s+mistake\s+puts\s+(?P<v>\S+%)", "the median mistake's black share", ink["candidates_median"],
               count=page.count(r"median\s+mistake\s+puts"))


def decoy(page: Page, m: dict[str, Any]) -> None:
    d = m["decoy"]
    page.prose(r"(?P<v>measured\s+on MNIST on \d{4}-\d\d-\d\d when this check was written, not by this build.*?shuffled)",
               "a measurement the page dates (not this build's, not in the manifest)", None, None)
    # The decoy model's training, in the model card's words (the manifest's decoy.training), number by number.
    said = [float(token.rstrip("%")) / (100 if token.endswith("%") else 1)
            for token in (t.group() for t in page.pattern.finditer(d["training"]))]
    page.prose(r"trained the same way on these images\s+\((?P<v>.*?)\), is the", "the decoy model's training", *said,
               how="exact")
    page.prose(r"So in (?P<v>\S+%) of the training", "the swapped share (a setting)", m["settings"]["decoy"]["mismatched"],
               how="exact")
    page.prose(r"both models read (?P<v>\S+%) of the measured", "the readable share of the patches",
               d["readable_patch_share"], count=1 if d["unread_border"]["pixels"] else 0)
    page.prose(r"would score (?P<v>\S+%) on average", "rank accuracy by chance: patch pixels over read pixels",
               d["patch_size"] ** 2 / (d["placed_in"]["rows"] * d["placed_in"]["columns"]))
    page.prose(r"the decoy model is (?P<v>\S+%) accurate", "the decoy model's accuracy", d["accuracy"])
    page.prose(r"and (?P<v>\S+%) with the patch\s+level drawn at random", "the decoy model, patch level shuffled",
               d["accuracy_randomised_patch"])
    shuffled = r"is still (?P<v>\S+%) accurate \(95% interval \S+% to \S+%\)"
    if page.count(shuffled):
        page.prose(shuffled, "the decoy model, patch level shuffled", d["accuracy_randomised_patch"])
        page.prose(r"accurate \(95% interval (?P<v>\S+% to \S+%)\)", "its interval",
                   d["accuracy_randomised_patch_interval"]["low"], d["accuracy_randomised_patch_interval"]["high"])
        page.prose(r"above the (?P<v>\S+%) a model\s+reading only the patch would score", "chance: one over the classes",
                   1 / len(m["model"]["per_class_accuracy"]))
    page.prose(r"rank accuracy below (?P<v>\S+%) does not count", "a perfect rank accuracy", 1.0, how="exact",
               count=page.count(r"rank accuracy below \S+% does not count"))
    page.prose(r"\(chance is (?P<v>\S+%)\)", "chance: one over the number of classes",
               1 / len(m["model"]["per_class_accuracy"]))
    page.each(r"it loses (?P<v>-?[\d.]+ pp \[[^\]]*\])", "the accuracy lost to shuffling (percentage points)",
              [interval(d["accuracy_lost"]["decoy"]), interval(d["accuracy_lost"]["normal"])], scale=100)
    page.prose(r"is (?P<v>\S+%) accurate on the same decoy images", "the normal model's accuracy",
               d["normal_model_accuracy"])
    page.prose(r"(?:\(|clean )(?P<v>\S+%)(?: on the test images without a patch|: the patch did not move it)",
               "the normal model's clean accuracy", d["normal_model_clean_accuracy"])
    page.prose(r"and (?P<v>\S+%) with the level drawn at random", "the normal model, patch level shuffled",
               d["normal_model_accuracy_randomised_patch"])
    rank = page.table("Method", "Decoy model", "Normal model", "Difference")
    mass = page.table("Method", "Decoy model", "Normal model", "Decoy ÷ normal")
    corners = page.table("Method", "Model")
    for key in METHODS:
        title, method = method_title(key), d["methods"][key]
        for table, metric in ((rank, "rank_accuracy"), (mass, "mass_accuracy")):
            for column, model in (("Decoy model", "decoy"), ("Normal model", "normal")):
                page.cell(table, title, column, f"{title} {metric}, {model} model", interval(method[metric][model]))
        page.cell(rank, title, "Difference", f"{title} rank accuracy, difference (percentage points)",
                  interval(method["rank_accuracy"]["difference"]), scale=100)
        page.cell(mass, title, "Decoy ÷ normal", f"{title} mass accuracy, ratio", interval(method["mass_accuracy"]["ratio"]))
        for i, heading in enumerate(corners.header[2:], start=2):
            corner = heading.split(" (")[0]
            for model in ("decoy", "normal"):
                page.cell(corners, (title, model), i, f"{title}, {model} model, {corner}",
                          interval(method["rank_accuracy"]["corners"][corner][model]))


def test_the_check_fails_a_floored_or_unmapped_number():
    def problems(text: str) -> list[str]:
        page = Page("synthetic", text, PERCENT)
        page.cell(page.table("Method", "Share"), "Gradient", "Share", "the share", [0.2977, 0.2501, 0.3549])
        page.prose(r"accuracy (?P<v>\S+%)", "the accuracy", 0.98499)
        return page.check()[0]

    table = "| Method | Share |\n|---|--:|\n| Gradient | {} |\n\nThe accuracy {}.\n"
    assert problems(table.format("29.8% [25.0%, 35.5%]", "98.50%")) == []
    assert len(problems(table.format("29.7% [25.0%, 35.4%]", "98.49%"))) == 3  # rounded down
    assert problems(table.format("29.8% [25.0%, 35.5%]", "98.50%") + "And 12.5% more.\n") == [
        "synthetic: '12.5%' on line 6 comes from no mapping of this test"]


PAGES: dict[str, tuple[str, Callable[[Page, dict[str, Any]], None], re.Pattern]] = {
    "home": ("index.md", home, PERCENT),
    "trust": ("trust.md", trust, re.compile(f"{PERCENT.pattern}|{DECIMAL.pattern}")),
    "decoy": ("decoy.md", decoy, re.compile("|".join((PERCENT.pattern, TIMES.pattern, POINTS.pattern, DECIMAL.pattern)))),
    "baselines": ("methods/baselines.md", baselines, PERCENT),
}


@pytest.fixture(scope="module")
def built(quick_build) -> tuple[Path, dict[str, Any]]:
    project, _ = quick_build
    return project / "site_src", json.loads((project / "site" / "manifest.json").read_text(encoding="utf-8"))


@pytest.mark.slow  # needs the quick build
@pytest.mark.parametrize("name", PAGES)
def test_every_number_on_the_page_is_the_manifests_rounded_to_nearest(built, name):
    docs, manifest = built
    path, mapping, pattern = PAGES[name]
    page = Page(name, (docs / path).read_text(encoding="utf-8"), pattern)
    mapping(page, manifest)
    stated_levels(page)
    problems, compared = page.check()
    assert not problems, "\n".join(problems)
    # The check can tell: at least one compared number reads differently when rounded down.
    floored = [text for value, text, scale in compared if not reads_as(value, text, scale=scale, rounding=ROUND_FLOOR)]
    assert floored or not compared, f"{name}: no number here would change if rounded down; the test cannot tell"
