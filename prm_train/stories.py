"""Randomly composed word problems: a running quantity goes through 2-5 events.

Fixed families teach a small model their program shapes (it learns "this family has a three-term
sum here"), which does not carry over to solutions written by someone else. A story is built
from a random sequence of events (get more, give away, buy packs, share equally, lose a
fraction, sell a percentage, ...), so the shape of the computation changes from problem to
problem and only the arithmetic and its meaning are left to learn. `random_family` returns an
ordinary `Family`, which the generator runs like any other.
"""

from __future__ import annotations

import random

from prm_train.families import Family, Op

ITEMS = ("marbles", "stickers", "apples", "books", "cards", "coins", "stamps", "shells",
         "pencils", "cookies", "beads", "toy cars", "balloons", "candies", "postcards")
FRIENDS = ("Ava", "Noah", "Zoe", "Ravi", "Ellie", "Omar", "Nina", "Hugo")


def _event(kind: str, i: int, state: str, items: str, friend: str, rng: random.Random,
           ranges: dict, ops: list[Op]) -> tuple[str, str]:
    """Append the ops of one event; return (problem sentence, name of the new state)."""
    out = f"c{len(ops) + 1}"
    v = f"v{i}"
    if kind == "gain":
        ranges[v] = (2, 60)
        sentence = rng.choice(("{He} gets {%s} more %s.", "Then {he} finds {%s} more %s.",
                               "{He} receives {%s} %s from {friend}."))
        ops.append(Op(out, "sum", (state, v), (f"the {items} now", f"the new number of {items}"),
                      items))
        return sentence % (v, items), out
    if kind == "lose":
        ranges[v] = (1, 40)
        sentence = rng.choice(("{He} gives {%s} %s to {friend}.", "{He} loses {%s} %s.",
                               "Then {he} uses {%s} of the %s."))
        ops.append(Op(out, "sum", (state, "-" + v), (f"the {items} left", "what remains"),
                      items))
        return sentence % (v, items), out
    if kind == "packs":
        ranges[v], ranges[v + "m"] = (2, 9), (2, 12)
        ops.append(Op(out, "mul", (v, v + "m"), (f"the {items} in the packs", "the new ones"),
                      items))
        ops.append(Op(f"c{len(ops) + 1}", "sum", (state, out), (f"the total {items}",
                                                                 f"all the {items}"), items))
        return (f"{{He}} buys {{{v}}} packs with {{{v}m}} {items} in each.",
                f"c{len(ops)}")
    if kind == "share":
        ranges[v] = (2, 6)
        ops.append(Op(out, "div", (state, v), ("each share", f"the {items} per person"), items))
        return (f"{{He}} splits them equally into {{{v}}} groups and keeps one group.", out)
    if kind == "half":
        frac, word = rng.choice(((2, "half"), (3, "a third"), (4, "a quarter")))
        ops.append(Op(out, "div", (state, f"#{frac}"), ("the part given away", "that part"),
                      items))
        ops.append(Op(f"c{len(ops) + 1}", "sum", (state, "-" + out),
                      (f"the {items} left", "what is left"), items))
        return f"{{He}} gives away {word} of them.", f"c{len(ops)}"
    if kind == "percent":
        ranges[v] = (1, 9)
        ops.append(Op(out, "pct", (v + "0", state), ("the amount sold", f"the {items} sold"),
                      items))
        ops.append(Op(f"c{len(ops) + 1}", "sum", (state, "-" + out),
                      (f"the {items} remaining", "the rest"), items))
        return f"{{He}} sells {{{v}}}0% of them.", f"c{len(ops)}"
    if kind == "daily":
        ranges[v], ranges[v + "m"] = (2, 15), (2, 7)
        ops.append(Op(out, "mul", (v, v + "m"), ("the amount added over the days",
                                                  f"the {items} collected"), items))
        ops.append(Op(f"c{len(ops) + 1}", "sum", (state, out), (f"the {items} now",
                                                                 "the new total"), items))
        return (f"Every day for {{{v}m}} days {{he}} collects {{{v}}} more.", f"c{len(ops)}")
    if kind == "double":
        ops.append(Op(out, "mul", (state, "#2"), (f"the doubled number of {items}",
                                                   f"the {items} after doubling"), items))
        return f"Then the number of {items} doubles.", out
    if kind == "fewer":
        ranges[v] = (1, 9)
        ops.append(Op(out, "sum", (state, "-" + v), (f"{friend}'s {items}",
                                                      f"how many {friend} has"), items))
        return (f"{friend} has {{{v}}} fewer {items} than {{he}} does.", out)
    if kind == "times":
        ranges[v] = (2, 5)
        ops.append(Op(out, "mul", (v, state), (f"{friend}'s {items}", f"how many {friend} has"),
                      items))
        return (f"{friend} has {{{v}}} times as many {items} as {{he}} has now.", out)
    raise ValueError(kind)


def random_family(rng: random.Random) -> Family:
    items = rng.choice(ITEMS)
    friend = rng.choice(FRIENDS)
    ranges: dict[str, tuple[int, int]] = {}
    ops: list[Op] = []
    if rng.random() < 0.3:  # a start that is itself a computation: three colours
        ranges.update(a=(2, 30), b=(2, 30), c=(2, 30))
        ops.append(Op("c1", "sum", ("a", "b", "c"), (f"the {items} at the start",
                                                     f"the total {items}"), items))
        start = f"{{name}} has {{a}} red, {{b}} blue and {{c}} green {items}."
        state = "c1"
    else:
        ranges["a"] = (10, 90)
        start = rng.choice((f"{{name}} has {{a}} {items}.", f"{{name}} starts with {{a}} {items}.",
                            f"There are {{a}} {items} in {{name}}'s box."))
        state = "a"
    sentences = [start]
    kinds = ["gain", "lose", "packs", "share", "half", "percent", "times", "daily", "double",
             "fewer"]
    for i in range(rng.randint(2, 4)):
        kind = rng.choice(kinds)
        sentence, state = _event(kind, i, state, items, friend, rng, ranges, ops)
        sentences.append(sentence.replace("{friend}", friend))
        if kind in ("times", "fewer"):
            break  # the question is about the friend now
    money: frozenset[str] = frozenset()
    if rng.random() < 0.3:
        ranges["p"] = (1, 9)
        money = frozenset({"p"})
        ops.append(Op(f"c{len(ops) + 1}", "mul", (state, "p"), ("the money", "the earnings"),
                      "$"))
        question = "Each one sells for {p}. How much money is that?"
    else:
        question = f"How many {items} are there at the end?"
    problem = " ".join(sentences) + " " + question
    return Family("story", ranges, (problem,), tuple(ops), money)
