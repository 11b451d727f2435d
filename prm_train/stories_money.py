"""Randomly composed money problems (shopping ledgers, wages) for the PRM training data.

Like `prm_train/stories.py`, each call builds a fresh `Family` whose program shape (how many items,
whether there is a discount, tax, overtime, a bonus, a saving rate ...) and wording are drawn at
random, so the model has to read the meaning of a problem rather than memorise a template.
`Prog` is the small builder shared with `prm_train/stories_more.py`.
"""

from __future__ import annotations

import random

from prm_train.families import Family, Op

# (plural, singular) goods with a sensible unit-price range in whole dollars
GOODS = ((("shirts", "shirt"), (8, 25)), (("mugs", "mug"), (3, 12)),
         (("plant pots", "plant pot"), (2, 9)), (("towels", "towel"), (4, 15)),
         (("bags of rice", "bag of rice"), (3, 14)), (("cans of paint", "can of paint"), (9, 30)),
         (("bottles of juice", "bottle of juice"), (2, 6)), (("light bulbs", "light bulb"), (2, 8)),
         (("packs of batteries", "pack of batteries"), (4, 11)), (("socks", "pair of socks"),
                                                                  (2, 7)),
         (("puzzles", "puzzle"), (6, 20)), (("candles", "candle"), (2, 10)),
         (("picture frames", "picture frame"), (5, 18)), (("water bottles", "water bottle"),
                                                          (4, 16)),
         (("bird feeders", "bird feeder"), (7, 22)), (("garden gloves", "pair of garden gloves"),
                                                      (3, 9)))
STORES = ("the hardware store", "the market", "a garage sale", "the mall", "an online shop",
          "the corner shop", "a craft fair")


class Prog:
    """Accumulates variables, ops and problem sentences; `family()` freezes them."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.ranges: dict[str, tuple[int, int]] = {}
        self.ops: list[Op] = []
        self.money: set[str] = set()
        self.text: list[str] = []
        self.frac = False

    def var(self, name: str, lo: int, hi: int, money: bool = False) -> str:
        self.ranges[name] = (lo, hi)
        if money:
            self.money.add(name)
        return name

    def op(self, kind: str, args: tuple[str, ...], desc: tuple[str, ...], unit: str = "") -> str:
        out = f"c{len(self.ops) + 1}"
        self.ops.append(Op(out, kind, args, desc, unit))
        return out

    def say(self, *options: str) -> None:
        self.text.append(self.rng.choice(options))

    def family(self, name: str) -> Family:
        return Family(name, dict(self.ranges), (" ".join(self.text),), tuple(self.ops),
                      frozenset(self.money), self.frac)


def _buy(p: Prog, i: int, good: tuple[str, str], prange: tuple[int, int], first: bool) -> str:
    """One purchase line: quantity × unit price; returns the op computing its cost."""
    (pl, sg) = good
    q, pr = p.var(f"q{i}", 2, 9), p.var(f"u{i}", *prange, money=True)
    lead = "{name} buys" if first else p.rng.choice(("{He} also buys", "{He} adds", "Then {he} "
                                                     "picks up", "{He} gets"))
    p.say(f"{lead} {{{q}}} {pl} at {{{pr}}} each.", f"{lead} {{{q}}} {pl} for {{{pr}}} apiece.",
          f"{lead} {{{q}}} {pl}; each {sg} costs {{{pr}}}.",
          f"{lead} {{{q}}} {pl} priced at {{{pr}}} per {sg}.")
    return p.op("mul", (q, pr), (f"the cost of the {pl}", f"what the {pl} cost",
                                 f"the price of the {pl}"), "$")


def random_family_shopping(rng: random.Random) -> Family:
    """2-4 purchases, a total, maybe a discount / tax / coupon, then change or budget left."""
    p = Prog(rng)
    goods = rng.sample(GOODS, rng.randint(2, 4))
    ending = rng.choice(("change", "budget", "total"))
    if ending == "budget":
        store = rng.choice(STORES)
        p.say("{name} has {B} to spend at " + store + ".", "{name} takes {B} to " + store + ".")
    costs = [_buy(p, i, g, pr, i == 0 and ending != "budget")
             for i, (g, pr) in enumerate(goods)]
    extra = rng.choice(("none", "discount", "tax", "coupon", "fee"))
    if extra == "fee":  # a flat charge as a third term of the total
        p.var("f", 3, 15, money=True)
        p.say("Delivery costs {f}.", "There is a {f} delivery fee.",
              "{He} also pays {f} for shipping.")
        costs.append("f")
    total = p.op("sum", tuple(costs), ("the total cost", "the subtotal", "the bill",
                                       "the cost of everything"), "$")
    if extra == "discount":
        p.frac = True
        p.var("d", 1, 5)
        p.say("The store takes {d}0% off the whole purchase.",
              "Everything is {d}0% off at the register.", "{He} gets a {d}0 percent discount.")
        off = p.op("pct", ("d0", total), ("the discount", "the amount taken off"), "$")
        total = p.op("sum", (total, "-" + off), ("the price after the discount",
                                                 "the discounted total"), "$")
    elif extra == "tax":
        p.frac = True
        p.var("t", 4, 9)
        p.say("Sales tax of {t}% is added.", "A {t} percent tax is charged on top.",
              "There is a {t}% tax on the purchase.")
        tax = p.op("pct", ("t", total), ("the tax", "the sales tax"), "$")
        total = p.op("sum", (total, tax), ("the total with tax", "the final bill"), "$")
    elif extra == "coupon":
        p.var("k", 2, 10, money=True)
        p.say("{He} uses a coupon for {k} off.", "{He} has a coupon worth {k}.",
              "The cashier takes {k} off with a coupon.")
        total = p.op("sum", (total, "-k"), ("the amount to pay", "the total after the coupon"),
                     "$")
    hi = sum(9 * pr[1] for _, pr in goods)
    if ending == "total":
        p.say("How much does {he} spend in all?", "What is the total amount {he} pays?",
              "How much money does {he} spend altogether?")
    else:
        p.var("B", hi // 3, hi + 20, money=True)
        if ending == "change":
            p.say("{He} pays with {B}. How much change does {he} get back?",
                  "{He} hands over {B}. What change should {he} receive?")
        else:
            p.say("How much money does {he} have left?", "How much of the money remains?")
        p.op("sum", ("B", "-" + total), ("the change", "the money left", "what remains"), "$")
    return p.family("shopping_story")


def random_family_earnings(rng: random.Random) -> Family:
    """Hourly pay over days or weeks, overtime or a bonus, deductions, then a saved share."""
    p = Prog(rng)
    job = rng.choice(("at a bike shop", "as a lifeguard", "at a cafe", "as a tutor",
                      "at a warehouse", "walking dogs", "at the library"))
    p.var("r", 9, 28, money=True)
    p.var("h", 3, 9)
    p.var("d", 2, 6)
    p.say(f"{{name}} works {job} for {{r}} an hour.",
          f"{{name}} earns {{r}} per hour {job}.", f"{{name}} is paid {{r}} an hour {job}.")
    weeks = rng.random() < 0.3
    if weeks:
        p.var("w", 2, 4)
        p.say("{He} works {h} hours a day, every day, for {w} weeks.",
              "For {w} weeks {he} works {h} hours each day of the week.")
        days = p.op("mul", ("w", "#7"), ("the number of days", "how many days {he} works"),
                    "days")
    else:
        days = "d"
        p.say("{He} works {h} hours a day for {d} days.",
              "{He} puts in {h} hours on each of {d} days.",
              "Over {d} days {he} works {h} hours per day.")
    if rng.random() < 0.5:
        pay = p.op("mul", ("r", "h", days), ("the regular pay", "the base earnings",
                                             "what {he} earns for those hours"), "$")
    else:
        daily = p.op("mul", ("r", "h"), ("the pay per day", "what {he} earns each day"), "$")
        pay = p.op("mul", (daily, days), ("the regular pay", "the pay for all the days"), "$")
    terms = [pay]
    if rng.random() < 0.5:
        p.var("o", 2, 8)
        p.var("e", 2, 9, money=True)
        p.say("{He} also works {o} hours of overtime, paid {e} more per hour than usual.",
              "On top of that come {o} overtime hours at {e} extra per hour.")
        orate = p.op("sum", ("r", "e"), ("the overtime rate", "the hourly overtime pay"), "$")
        terms.append(p.op("mul", ("o", orate), ("the overtime pay", "the overtime earnings"),
                          "$"))
    if rng.random() < 0.6:
        p.var("b", 10, 60, money=True)
        p.say("{His} manager adds a {b} bonus.", "{He} receives a bonus of {b}.",
              "{He} gets an extra {b} in tips.")
        terms.append("b")
    if rng.random() < 0.5:
        p.var("g", 5, 30, money=True)
        p.say("{He} pays {g} for the uniform.", "{He} spends {g} on bus fares to get there.",
              "A fee of {g} is taken out.")
        terms.append("-g")
    if len(terms) > 1:
        pay = p.op("sum", tuple(terms), ("the total pay", "the total earnings",
                                         "all the money {he} earned"), "$")
    end = rng.choice(("total", "save", "spend"))
    if end == "save":
        p.var("s", 1, 9)
        p.say("{He} saves {s}0% of it. How much does {he} save?",
              "If {he} puts {s}0 percent of the money into savings, how much is saved?")
        p.frac = True
        p.op("pct", ("s0", pay), ("the savings", "the amount saved"), "$")
    elif end == "spend":
        p.var("x", 10, 45, money=True)
        p.var("y", 5, 25, money=True)
        p.say("Then {he} spends {x} on a gift and {y} on lunch. How much is left?",
              "Afterwards {he} buys shoes for {x} and a book for {y}. What does {he} have left?")
        p.op("sum", (pay, "-x", "-y"), ("the money left", "what remains"), "$")
    else:
        p.say("How much does {he} earn in total?", "What is {his} total pay?")
    return p.family("earnings_story")
