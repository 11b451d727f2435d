"""Words after a number that scale, operate on or qualify it are not units (grading-policy
rule 10): dropping them paid wrong answers (`4 million`, `2 squared`, `4 or more` against 4).
Units stay labels. Found by a red-team pass over the merged main."""

from __future__ import annotations

import pytest

from verifier.types import Verdict
from verifier.verify import verify

NOT_PAID = [
    (r"\boxed{4 \text{ million}}", "4"), (r"\boxed{4 million}", "4"),
    (r"\boxed{4 \text{ thousand}}", "4"), (r"\boxed{4\text{k}}", "4"),
    (r"\boxed{5 \text{ hundred thousand}}", "5"), (r"\boxed{4 \text{ dozen}}", "4"),
    (r"\boxed{3 \text{ pi}}", "3"), (r"\boxed{2 \text{ squared}}", "2"),
    (r"\boxed{4 squared}", "4"), (r"\boxed{4\text{ times}}", "4"),
    (r"\boxed{4 \text{ or more}}", "4"), (r"\boxed{4 or more}", "4"),
    (r"\boxed{4 \mbox{ or more}}", "4"), (r"\boxed{4 \text{ or fewer}}", "4"),
    (r"\boxed{4 \text{ at most}}", "4"), (r"\boxed{4 \text{ approximately}}", "4"),
    (r"\boxed{4 \text{ is wrong}}", "4"), (r"\boxed{4 \text{ negative}}", "4"),
    ("The answer is 4 million.", "4"), ("Answer: 4 or more", "4"),
]

STILL_LABELS = [
    (r"\boxed{5 \text{ cm}}", "5"), (r"\boxed{12 \text{ eggs}}", "12"),
    (r"\boxed{20 \text{ minutes}}", "20"), (r"\boxed{7 sq ft}", "7"),
    (r"\boxed{3 \mathrm{~km}}", "3"), (r"\boxed{50 \text{ percent}}", "50"),
]


@pytest.mark.parametrize(("response", "gold"), NOT_PAID)
def test_value_changing_words_are_not_dropped(response: str, gold: str) -> None:
    assert verify(response, gold).verdict is not Verdict.CORRECT


@pytest.mark.parametrize(("response", "gold"), STILL_LABELS)
def test_units_are_still_labels(response: str, gold: str) -> None:
    assert verify(response, gold).verdict is Verdict.CORRECT
