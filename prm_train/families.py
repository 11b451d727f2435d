"""Problem families for the synthetic step-labelled data (`prm_train/data.py`).

A family is a word-problem template plus a small program: each `Op` computes one quantity from
problem quantities (`n1`), earlier results (`c1`) or literals (`#2`). `sum` takes signed terms
(`-b` subtracts), `mul` multiplies, `div` divides the first by the second, `pct` is `a% of b`.
The generator runs the program, injects one error, and renders each op as a step. Families in
`HELD_OUT` are never used for training: they form the held-back evaluation split; `DEV`
families are kept out of training for calibration.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Op:
    out: str
    kind: str  # "sum" | "mul" | "div" | "pct"
    args: tuple[str, ...]
    desc: tuple[str, ...]  # noun phrases naming the result
    unit: str = ""  # "$" for money, else a word appended after the number


@dataclass(frozen=True)
class Family:
    name: str
    ranges: dict[str, tuple[int, int]]
    problems: tuple[str, ...]
    ops: tuple[Op, ...]
    money: frozenset[str] = field(default_factory=frozenset)
    allow_fraction: bool = False


def _f(name, ranges, problems, ops, money=(), allow_fraction=False) -> Family:
    return Family(name, ranges, tuple(problems), tuple(ops), frozenset(money), allow_fraction)


FAMILIES: tuple[Family, ...] = (
    _f("shopping_change", {"n1": (2, 9), "p1": (2, 15), "n2": (2, 9), "p2": (2, 12),
                           "B": (5, 20)},
       ["{name} buys {n1} notebooks that cost {p1} each and {n2} pens that cost {p2} each. "
        "{He} pays with {B}. How much change does {he} get?",
        "At the store, {name} picked up {n1} notebooks at {p1} apiece and {n2} pens at {p2} "
        "apiece, and handed the cashier {B}. What is {his} change?"],
       [Op("c1", "mul", ("n1", "p1"), ("the cost of the notebooks", "the notebook total"), "$"),
        Op("c2", "mul", ("n2", "p2"), ("the cost of the pens", "what the pens cost"), "$"),
        Op("c3", "sum", ("c1", "c2"), ("the total cost", "the bill"), "$"),
        Op("c4", "sum", ("B", "-c3"), ("the change", "the money returned"), "$")],
       money=("p1", "p2", "B")),
    _f("eggs_market", {"a": (12, 40), "b": (2, 6), "c": (2, 8), "p": (1, 5)},
       ["{name}'s hens lay {a} eggs per day. {He} eats {b} for breakfast and bakes with {c}. "
        "{He} sells the rest for {p} each. How much does {he} make every day?",
        "Every day the chickens on {name}'s farm produce {a} eggs; {b} are eaten at breakfast "
        "and {c} go into baking. The remaining eggs sell for {p} apiece. What are the daily "
        "sales?"],
       [Op("c1", "sum", ("a", "-b", "-c"), ("the number of eggs left", "the eggs to sell"),
           "eggs"),
        Op("c2", "mul", ("c1", "p"), ("the daily income", "the money from eggs"), "$")],
       money=("p",)),
    _f("wage_savings", {"r": (8, 30), "h": (2, 9), "d": (2, 6), "q": (1, 9)},
       ["{name} earns {r} an hour and works {h} hours a day for {d} days. {He} spends {q}0% "
        "of what {he} earns. How much money does {he} keep?",
        "Working {h} hours each day for {d} days at {r} per hour, {name} then spends {q}0 "
        "percent of the earnings. How much is left?"],
       [Op("c1", "mul", ("r", "h"), ("the daily pay", "what {he} earns per day"), "$"),
        Op("c2", "mul", ("c1", "d"), ("the total earnings", "the pay for all days"), "$"),
        Op("c3", "pct", ("q0", "c2"), ("the amount spent", "the spending"), "$"),
        Op("c4", "sum", ("c2", "-c3"), ("the money kept", "what remains"), "$")],
       money=("r",)),
    _f("trip_distance", {"s1": (20, 70), "t1": (2, 5), "s2": (10, 60), "t2": (1, 4),
                         "w": (2, 9)},
       ["{name} drives at {s1} miles per hour for {t1} hours, then at {s2} miles per hour for "
        "{t2} hours, and finally walks {w} miles. How far does {he} travel in total?",
        "A trip: {t1} hours at {s1} mph, then {t2} hours at {s2} mph, then a {w}-mile walk. "
        "What is the total distance?"],
       [Op("c1", "mul", ("s1", "t1"), ("the first distance", "the distance of the first leg"),
           "miles"),
        Op("c2", "mul", ("s2", "t2"), ("the second distance", "the distance of the second leg"),
           "miles"),
        Op("c3", "sum", ("c1", "c2", "w"), ("the total distance", "the whole trip"), "miles")]),
    _f("ages", {"c": (3, 15), "k": (2, 4), "m": (2, 12)},
       ["{name} is {c} years old. {His} brother is {k} times as old, and {his} aunt is {m} "
        "years older than the brother. What is the sum of their three ages?",
        "A child is {c}. The child's brother is {k} times the child's age and their aunt is "
        "{m} years older than the brother. Find the total of the three ages."],
       [Op("c1", "mul", ("k", "c"), ("the brother's age", "how old the brother is"), "years"),
        Op("c2", "sum", ("c1", "m"), ("the aunt's age", "how old the aunt is"), "years"),
        Op("c3", "sum", ("c2", "c1", "c"), ("the sum of the ages", "the total age"), "years")]),
    _f("discount_tax", {"P": (20, 200), "d": (1, 5), "q": (2, 6)},
       ["A jacket costs {P}. It is on sale for {d}0% off. How much do {q} jackets cost at the "
        "sale price?",
        "{name} wants {q} jackets priced at {P} each; the store takes {d}0 percent off. What "
        "does {he} pay?"],
       [Op("c1", "pct", ("d0", "P"), ("the discount", "the amount taken off"), "$"),
        Op("c2", "sum", ("P", "-c1"), ("the sale price", "the price of one jacket"), "$"),
        Op("c3", "mul", ("c2", "q"), ("the total cost", "the total"), "$")],
       money=("P",)),
    _f("class_fractions", {"N": (12, 60), "k": (2, 5)},
       ["A class has {N} students and 1/{k} of them are boys. Half of the girls play soccer. "
        "How many girls play soccer?",
        "There are {N} students in a class; one out of every {k} is a boy. If half of the "
        "girls are on the soccer team, how many girls are on the team?"],
       [Op("c1", "div", ("N", "k"), ("the number of boys", "how many boys there are"),
           "boys"),
        Op("c2", "sum", ("N", "-c1"), ("the number of girls", "how many girls there are"),
           "girls"),
        Op("c3", "div", ("c2", "#2"), ("the girls who play soccer", "the soccer players"),
           "girls")]),
    _f("tank_fill", {"C": (100, 900), "a": (10, 90), "r": (5, 30)},
       ["A tank holds {C} liters and already has {a} liters. A pipe adds {r} liters per "
        "minute. How many minutes until it is full?",
        "Water flows at {r} L per minute into a {C}-liter tank that contains {a} liters. "
        "How long does filling it take, in minutes?"],
       [Op("c1", "sum", ("C", "-a"), ("the water still needed", "the missing volume"),
           "liters"),
        Op("c2", "div", ("c1", "r"), ("the time", "the number of minutes"), "minutes")]),
    _f("linear_equation", {"a": (2, 9), "b": (1, 30), "x": (1, 20)},
       ["A number is multiplied by {a} and then {b} is added, giving {ax_b}. What is the "
        "number?",
        "Solve for x: {a}x + {b} = {ax_b}."],
       [Op("c1", "sum", ("ax_b", "-b"), ("{a} times the number", "the value of {a}x"), ""),
        Op("c2", "div", ("c1", "a"), ("the number", "x"), "")]),
    _f("arithmetic_sequence", {"a": (1, 20), "d": (2, 9), "n": (5, 30)},
       ["An arithmetic sequence starts at {a} and each term is {d} more than the one before. "
        "What is term number {n}?",
        "The first term of an arithmetic progression is {a} and the common difference is {d}. "
        "Find the {n}th term."],
       [Op("c1", "sum", ("n", "-#1"), ("the number of steps", "the number of differences"),
           ""),
        Op("c2", "mul", ("c1", "d"), ("the total increase", "the amount added"), ""),
        Op("c3", "sum", ("a", "c2"), ("the {n}th term", "the term"), "")]),
    _f("rectangle_fence", {"L": (5, 40), "W": (3, 30), "p": (2, 12)},
       ["A rectangular garden is {L} meters long and {W} meters wide. Fencing costs {p} per "
        "meter. How much does it cost to fence the garden?",
        "{name} fences a {L} m by {W} m rectangular yard with fence that costs {p} a meter. "
        "What is the cost?"],
       [Op("c1", "sum", ("L", "W"), ("the length plus the width", "half the perimeter"),
           "meters"),
        Op("c2", "mul", ("#2", "c1"), ("the perimeter", "the fence length"), "meters"),
        Op("c3", "mul", ("c2", "p"), ("the cost", "the price of the fence"), "$")],
       money=("p",)),
    _f("outfits_counting", {"s": (2, 9), "t": (2, 8), "h": (2, 5), "e": (1, 9)},
       ["{name} has {s} shirts, {t} pairs of pants and {h} hats. An outfit is one of each, "
        "but {e} outfits clash. How many outfits can {he} wear?",
        "With {s} shirts, {t} pants and {h} hats, how many shirt-pants-hat outfits are "
        "there if {e} of them are not allowed?"],
       [Op("c1", "mul", ("s", "t", "h"), ("the number of outfits", "all combinations"),
           "outfits"),
        Op("c2", "sum", ("c1", "-e"), ("the allowed outfits", "the outfits left"),
           "outfits")]),
    _f("savings_goal", {"s": (5, 40), "w": (2, 12), "a": (10, 90), "C": (100, 900)},
       ["{name} saves {s} a week for {w} weeks and already had {a}. A bike costs {C}. How "
        "much more does {he} need?",
        "A bike is priced at {C}. {name} had {a} saved and adds {s} each week for {w} weeks. "
        "How much is still missing?"],
       [Op("c1", "mul", ("s", "w"), ("the money saved", "the weekly savings in total"), "$"),
        Op("c2", "sum", ("c1", "a"), ("the money {he} has", "the total savings"), "$"),
        Op("c3", "sum", ("C", "-c2"), ("the amount still needed", "what is missing"), "$")],
       money=("s", "a", "C")),
    _f("reading_pages", {"N": (100, 600), "p": (10, 40), "d": (2, 7), "q": (10, 50)},
       ["A book has {N} pages. {name} reads {p} pages a day for {d} days, then {q} pages a "
        "day. How many more days does {he} need to finish?",
        "{name} read {p} pages daily for {d} days of a {N}-page novel and then speeds up to "
        "{q} pages per day. How many additional days until the end?"],
       [Op("c1", "mul", ("p", "d"), ("the pages read", "the pages read so far"), "pages"),
        Op("c2", "sum", ("N", "-c1"), ("the pages left", "the remaining pages"), "pages"),
        Op("c3", "div", ("c2", "q"), ("the days needed", "the number of days"), "days")]),
    _f("orchard_rows", {"r": (3, 12), "t": (4, 15), "d": (1, 9), "n": (2, 20), "a": (5, 40)},
       ["An orchard has {r} rows of {t} trees. {d} trees die and {n} new trees are planted. "
        "Each tree gives {a} apples. How many apples are there?",
        "There are {r} rows with {t} trees each; after {d} die and {n} are added, every tree "
        "yields {a} apples. Find the total apples."],
       [Op("c1", "mul", ("r", "t"), ("the number of trees", "the trees at first"), "trees"),
        Op("c2", "sum", ("c1", "-d", "n"), ("the trees now", "the current trees"), "trees"),
        Op("c3", "mul", ("c2", "a"), ("the number of apples", "the apple harvest"),
           "apples")]),
    _f("bakery_boxes", {"n": (24, 240), "b": (4, 12), "p": (3, 15), "k": (5, 30)},
       ["A baker makes {n} muffins and packs them in boxes of {b}. Each box sells for {p} and "
        "the ingredients cost {k}. What is the profit?",
        "{n} muffins are boxed {b} to a box; boxes go for {p} each. Ingredients cost {k}. "
        "How much profit is made?"],
       [Op("c1", "div", ("n", "b"), ("the number of boxes", "how many boxes"), "boxes"),
        Op("c2", "mul", ("c1", "p"), ("the revenue", "the sales"), "$"),
        Op("c3", "sum", ("c2", "-k"), ("the profit", "what is earned after costs"), "$")],
       money=("p", "k")),
    _f("unit_time", {"m": (15, 90), "d": (2, 7)},
       ["{name} runs {m} minutes every day for {d} days. How many hours is that?",
        "Over {d} days, {name} jogs {m} minutes per day. Convert the total to hours."],
       [Op("c1", "mul", ("m", "d"), ("the total minutes", "the running time"), "minutes"),
        Op("c2", "div", ("c1", "#60"), ("the number of hours", "the time in hours"), "hours")],
       allow_fraction=True),
    _f("tiles_area", {"L": (6, 30), "W": (4, 20), "t": (2, 6), "p": (2, 9)},
       ["A floor is {L} feet by {W} feet. One tile covers {t} square feet and costs {p}. What "
        "do the tiles cost?",
        "To tile a {L} ft by {W} ft room with tiles of {t} square feet each at {p} per tile, "
        "how much money is needed?"],
       [Op("c1", "mul", ("L", "W"), ("the area", "the floor area"), "square feet"),
        Op("c2", "div", ("c1", "t"), ("the number of tiles", "how many tiles"), "tiles"),
        Op("c3", "mul", ("c2", "p"), ("the cost", "the tile cost"), "$")],
       money=("p",)),
    _f("weekday_commute", {"m": (3, 30), "w": (2, 6)},
       ["{name} drives {m} miles to work and the same distance back every weekday. How many "
        "miles does {he} drive in {w} weeks?",
        "Each workday {name} commutes {m} miles each way. What is the total mileage over {w} "
        "weeks?"],
       [Op("c1", "mul", ("m", "#2"), ("the daily distance", "the round trip"), "miles"),
        Op("c2", "mul", ("c1", "#5"), ("the weekly distance", "the miles per week"), "miles"),
        Op("c3", "mul", ("c2", "w"), ("the total distance", "the total mileage"), "miles")]),
    _f("dozen_cookies", {"d": (2, 9), "e": (1, 9), "k": (2, 6)},
       ["{name} bakes {d} dozen cookies, eats {e} of them, and splits the rest equally into "
        "{k} bags. How many cookies are in each bag?",
        "There are {d} dozen cookies. After {e} are eaten, the rest go equally into {k} bags. "
        "How many per bag?"],
       [Op("c1", "mul", ("d", "#12"), ("the number of cookies", "the cookies baked"),
           "cookies"),
        Op("c2", "sum", ("c1", "-e"), ("the cookies left", "what remains"), "cookies"),
        Op("c3", "div", ("c2", "k"), ("the cookies per bag", "each bag's share"), "cookies")]),
    # ---- held-out families (evaluation only) ----
    _f("recipe_scaling", {"a": (2, 6), "b": (6, 24), "m": (2, 6), "e": (1, 4)},
       ["A recipe uses {a} cups of flour for {b} cookies. How much flour is needed for "
        "{mb} cookies, plus {e} extra cups for dusting?",
        "For every {b} cookies {name} needs {a} cups of flour. {He} bakes {mb} cookies and "
        "uses {e} more cups on the counter. How many cups in all?"],
       [Op("c1", "div", ("mb", "b"), ("the number of batches", "how many batches"),
           "batches"),
        Op("c2", "mul", ("c1", "a"), ("the flour for the cookies", "the cups in the dough"),
           "cups"),
        Op("c3", "sum", ("c2", "e"), ("the total flour", "all the flour"), "cups")]),
    _f("test_average", {"s1": (60, 100), "s2": (60, 100), "s3": (60, 100)},
       ["{name} scored {s1}, {s2} and {s3} on three tests. What is {his} average score?",
        "Three quiz scores: {s1}, {s2}, {s3}. Find the mean."],
       [Op("c1", "sum", ("s1", "s2", "s3"), ("the total score", "the sum of the scores"),
           "points"),
        Op("c2", "div", ("c1", "#3"), ("the average", "the mean score"), "points")]),
    _f("tickets", {"a": (20, 200), "pa": (5, 20), "c": (10, 150), "pc": (2, 10),
                   "k": (50, 500)},
       ["A theater sells {a} adult tickets at {pa} each and {c} child tickets at {pc} each. "
        "The show cost {k} to put on. What is the profit?",
        "Adult tickets cost {pa} and child tickets {pc}. {a} adults and {c} children came, "
        "and expenses were {k}. How much profit?"],
       [Op("c1", "mul", ("a", "pa"), ("the adult ticket money", "adult sales"), "$"),
        Op("c2", "mul", ("c", "pc"), ("the child ticket money", "child sales"), "$"),
        Op("c3", "sum", ("c1", "c2"), ("the total sales", "the revenue"), "$"),
        Op("c4", "sum", ("c3", "-k"), ("the profit", "the money made"), "$")],
       money=("pa", "pc", "k")),
    _f("pizza_share", {"p": (2, 8), "s": (6, 12), "n": (2, 9), "e": (1, 4)},
       ["{name} orders {p} pizzas cut into {s} slices each. {n} friends eat {e} slices each. "
        "How many slices are left?",
        "There are {p} pizzas with {s} slices apiece; each of {n} people eats {e} slices. "
        "How many slices remain?"],
       [Op("c1", "mul", ("p", "s"), ("the number of slices", "all the slices"), "slices"),
        Op("c2", "mul", ("n", "e"), ("the slices eaten", "what the friends eat"), "slices"),
        Op("c3", "sum", ("c1", "-c2"), ("the slices left", "the leftover slices"),
           "slices")]),
    _f("commission", {"n": (2, 9), "P": (100, 900), "q": (1, 9), "B": (200, 900)},
       ["{name} sells {n} bikes at {P} each and earns {q}0% commission, plus a base pay of "
        "{B}. What does {he} earn?",
        "A salesperson gets {B} base pay plus {q}0 percent of sales. Selling {n} bikes at "
        "{P} each, what are the total earnings?"],
       [Op("c1", "mul", ("n", "P"), ("the sales", "the value of the bikes sold"), "$"),
        Op("c2", "pct", ("q0", "c1"), ("the commission", "the commission earned"), "$"),
        Op("c3", "sum", ("c2", "B"), ("the total earnings", "the pay"), "$")],
       money=("P", "B")),
)
HELD_OUT = frozenset({"recipe_scaling", "test_average", "tickets", "pizza_share", "commission"})
# Calibration families: neither trained on nor in the held-back split; `prm_train/calibrate.py`
# fits the
# decision bias on them, so it reflects problems the model has not seen.
DEV = frozenset({"bakery_boxes", "tiles_area", "savings_goal"})
