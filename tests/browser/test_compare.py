"""Two reports of one speech side by side: on a desktop, on a phone, in print."""

import pytest

from .helpers import axe_unavailable, axe_violations

RT = "000_4407d142b209daaa.txt"
OTHER = "001_d4a3d1238127169d.txt"
PHONE = {"width": 390, "height": 844}

PAIR_BOXES = """() => [...document.querySelectorAll('[data-pair]')].map(pair => {
  const box = el => el.getBoundingClientRect();
  const a = box(pair.querySelector('.cmp-a')), b = box(pair.querySelector('.cmp-b'));
  return {aTop: a.top, aBottom: a.bottom, aLeft: a.left, aRight: a.right,
          bTop: b.top, bLeft: b.left, text: pair.dataset.pair};
})"""


def _compare(live):
    return f"/compare/{live.slug(RT)}/{live.slug(OTHER)}"


def test_a_reader_goes_from_a_document_to_its_other_report_side_by_side(page, live):
    page.goto(f"/docs/{live.slug(RT)}")
    page.get_by_role("navigation", name="Other reports of this statement").get_by_role(
        "link").first.click()
    page.wait_for_url(f"**{_compare(live)}")
    pairs = page.evaluate(PAIR_BOXES)
    assert len(pairs) == 3
    belarus = [p for p in pairs if "Belarusian" in p["text"]]
    assert belarus and "new reason for tension" in belarus[0]["text"]
    for pair in pairs:  # two columns: the first report on the left, level with the second
        assert pair["aRight"] <= pair["bLeft"] and abs(pair["aTop"] - pair["bTop"]) < 2
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    decoration = page.locator("mark.differs").first.evaluate(
        "el => getComputedStyle(el).textDecorationLine")
    assert "underline" in decoration  # not told by colour alone


def test_on_a_phone_each_pair_stacks_first_report_then_second(new_page, live):
    page = new_page(viewport=PHONE)
    page.goto(_compare(live))
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    pairs = page.evaluate(PAIR_BOXES)
    assert len(pairs) == 3
    for pair in pairs:
        assert pair["bTop"] >= pair["aBottom"] - 1 and pair["aLeft"] >= 0


def test_printed_the_pairs_keep_their_columns_and_marks_show_without_colour(page, live):
    page.goto(_compare(live))
    page.emulate_media(media="print")
    styles = page.evaluate("""() => {
      const mark = getComputedStyle(document.querySelector('mark.differs'));
      const pair = getComputedStyle(document.querySelector('[data-pair]'));
      return {decoration: mark.textDecorationLine, background: mark.backgroundColor,
              breakInside: pair.breakInside, columns: pair.gridTemplateColumns.split(' ').length};
    }""")
    assert styles == {"decoration": "underline", "background": "rgba(0, 0, 0, 0)",
                      "breakInside": "avoid", "columns": 2}


@pytest.mark.skipif(axe_unavailable() is not None, reason=str(axe_unavailable()))
@pytest.mark.parametrize("viewport", [None, PHONE])
def test_the_comparison_has_no_serious_accessibility_violations(new_page, live, viewport):
    page = new_page(viewport=viewport)
    page.goto(_compare(live))
    assert axe_violations(page) == []
