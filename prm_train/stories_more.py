"""More randomly composed problem shapes for the PRM training data.

`prm_train/stories.py` covers one running quantity; these cover the other shapes of grade-school
word
problems: comparisons between people, rates and unit conversions, totals and averages, fractions
and percents of a group, areas and volumes with a cost, plus the money shapes of
`prm_train/stories_money.py`. Each `random_family_*` draws its structure and wording at random and
returns an ordinary `Family`; `GENERATORS` lists them all for `prm_train/data.py`. None of them
reuses
the contexts of the held-out or dev families.
"""

from __future__ import annotations

import random

from prm_train import stories
from prm_train.families import Family
from prm_train.stories_money import Prog, random_family_earnings, random_family_shopping

PEOPLE = ("Rosa", "Felix", "Hana", "Diego", "Yara", "Oscar", "Leila", "Theo", "Nadia", "Ivan")
# (things collected or made, verb phrase "has"/"caught" ...)
THINGS = (("seashells", "collected"), ("fish", "caught"), ("baseball cards", "bought"),
          ("paper cranes", "folded"), ("miles", "ran"), ("push-ups", "did"),
          ("photos", "took"), ("acorns", "gathered"), ("comic books", "sold"),
          ("points", "scored"))


def random_family_compare(rng: random.Random) -> Family:
    """A has x; B has k more/fewer; C has m times / a fraction of B; D '3 more than twice C';
    then the total of everyone or a difference."""
    p = Prog(rng)
    things, verb = rng.choice(THINGS)
    who = rng.sample(PEOPLE, 3)
    p.var("x", 12, 60)
    p.say(f"{{name}} {verb} {{x}} {things}.", f"Last week {{name}} {verb} {{x}} {things}.")
    people = [("{name}", "x")]
    prev_name, prev = "{name}", "x"
    for i, person in enumerate(who[: rng.randint(2, 3)]):
        rel = rng.choice(("more", "fewer", "times", "part", "twice_plus"))
        k = p.var(f"k{i}", 2, 15)
        desc = (f"{person}'s {things}", f"how many {things} {person} {verb}",
                f"the number for {person}")
        if rel == "more":
            p.say(f"{person} {verb} {{{k}}} more than {prev_name}.",
                  f"{person} {verb} {{{k}}} {things} more than {prev_name} did.",
                  f"{person} {verb} {{{k}}} additional {things} compared with {prev_name}.")
            out = p.op("sum", (prev, k), desc, things)
        elif rel == "fewer":
            p.say(f"{person} {verb} {{{k}}} fewer than {prev_name}.",
                  f"{person} {verb} {{{k}}} {things} less than {prev_name} did.",
                  f"{prev_name} {verb} {{{k}}} more than {person}.")
            out = p.op("sum", (prev, "-" + k), desc, things)
        elif rel == "times":
            p.ranges[k] = (2, 4)
            p.say(f"{person} {verb} {{{k}}} times as many as {prev_name}.",
                  f"{person} {verb} {{{k}}} times as many {things} as {prev_name} did.")
            out = p.op("mul", (k, prev), desc, things)
        elif rel == "part":
            n, word = rng.choice(((2, "half"), (3, "a third"), (4, "a quarter")))
            p.say(f"{person} {verb} {word} as many as {prev_name}.",
                  f"{person} {verb} only {word} as many {things} as {prev_name}.")
            out = p.op("div", (prev, f"#{n}"), desc, things)
        else:
            p.ranges[k] = (1, 9)
            p.say(f"{person} {verb} {{{k}}} more than twice as many as {prev_name}.",
                  f"{person} {verb} {{{k}}} more than double the number {prev_name} {verb}.")
            dbl = p.op("mul", ("#2", prev), (f"twice {prev_name}'s {things}",
                                             f"double {prev_name}'s number"), things)
            out = p.op("sum", (dbl, k), desc, things)
        people.append((person, out))
        prev_name, prev = person, out
    if rng.random() < 0.6 or len(people) == 2:
        p.say(f"How many {things} is that altogether?",
              f"What is the total number of {things} for all of them?",
              f"How many {things} in all?")
        p.op("sum", tuple(v for _, v in people), (f"the total {things}", "the combined total",
                                                  "everyone's total"), things)
    else:
        (n1, v1), (n2, v2) = rng.sample(people, 2)
        p.say(f"How many more {things} did {n1} get than {n2}?",
              f"What is the difference between the {things} of {n1} and {n2}?")
        a, b = (v1, v2)
        p.op("sum", (a, "-" + b), (f"the difference between {n1} and {n2}",
                                   "the difference"), things)
    return p.family("compare_story")


def random_family_travel(rng: random.Random) -> Family:
    """Legs of speed × time, a total distance (maybe plus a walk), then fuel cost or time."""
    p = Prog(rng)
    vehicle, unit = rng.choice((("drives", "miles"), ("drives", "miles"), ("cycles", "km"),
                                ("rides a scooter", "km")))
    end = rng.choice(("distance", "fuel", "back") if unit == "miles" else ("distance", "back"))
    legs = []
    for i in range(rng.randint(2, 3)):
        s, t = p.var(f"s{i}", 8, 60), p.var(f"t{i}", 2, 5)
        if i == 0:
            p.say(f"{{name}} {vehicle} at {{{s}}} {unit} per hour for {{{t}}} hours.",
                  f"For {{{t}}} hours {{name}} {vehicle} at {{{s}}} {unit} an hour.",
                  f"{{name}} sets off and {vehicle} {{{t}}} hours at {{{s}}} {unit} per hour.")
        else:
            p.say(f"Then {{he}} travels {{{t}}} hours at {{{s}}} {unit} an hour.",
                  f"After a break {{he}} goes on for {{{t}}} hours at {{{s}}} {unit} per hour.",
                  f"The next {{{t}}} hours {{he}} keeps a speed of {{{s}}} {unit} per hour.")
        nth = ("first", "second", "third")[i]  # no digits: 'leg 1 = 9 × 3' confuses checkers
        legs.append(p.op("mul", (s, t), (f"the distance of the {nth} leg",
                                         f"the distance covered in the {nth} part"), unit))
    if end == "distance" and rng.random() < 0.6:  # a walk counts only towards the distance
        p.var("w", 1, 9)
        p.say(f"Finally {{he}} walks {{w}} {unit}.",
              f"At the end {{he}} walks another {{w}} {unit}.")
        legs.append("w")
    total = p.op("sum", tuple(legs), ("the total distance", "the whole distance",
                                      f"the {unit} covered in all"), unit)
    if end == "fuel":
        p.var("g", 2, 10)
        p.var("f", 3, 5, money=True)
        p.say(f"The car goes {{g}} {unit} on a gallon of gas, which costs {{f}}. "
              "How much does the gas for the trip cost?",
              f"The car burns a gallon per {{g}} {unit}, and gas is {{f}} a gallon. "
              "What does the gas cost?")
        liters = p.op("div", (total, "g"), ("the gas used", "the gallons needed"), "gallons")
        p.op("mul", (liters, "f"), ("the gas cost", "the cost of the gas"), "$")
    elif end == "back":
        p.var("v", 10, 60)
        p.say(f"{{He}} returns home along the same route at {{v}} {unit} per hour. "
              "How many hours does the return take?",
              f"Coming back the same way at {{v}} {unit} an hour, how long is the ride back "
              "in hours?")
        p.op("div", (total, "v"), ("the time to return", "the hours on the way back"), "hours")
    else:
        p.say(f"How many {unit} does {{he}} travel altogether?",
              f"What total distance does {{he}} cover, in {unit}?")
    return p.family("travel_story")


def random_family_production(rng: random.Random) -> Family:
    """A rate per minute over hours (×60) and days or weeks (×7), packed, sold or shared."""
    p = Prog(rng)
    maker, goods = rng.choice((("A machine", "bottles"), ("A printer", "pages"),
                               ("A robot arm", "boxes"), ("A loom", "scarves"),
                               ("A pump", "gallons")))
    p.var("r", 2, 15)
    p.var("h", 2, 8)
    p.say(f"{maker} makes {{r}} {goods} per minute and runs {{h}} hours a day.",
          f"{maker} produces {{r}} {goods} every minute. It is switched on for {{h}} hours "
          "each day.", f"Every minute, {maker.lower()} turns out {{r}} {goods}; it works "
          "{h} hours daily.")
    if rng.random() < 0.5:
        mins = p.op("mul", ("h", "#60"), ("the minutes it runs per day", "the daily minutes"),
                    "minutes")
        daily = p.op("mul", ("r", mins), (f"the {goods} per day", "the daily output"), goods)
    else:
        per_hour = p.op("mul", ("r", "#60"), (f"the {goods} per hour", "the hourly output"),
                        goods)
        daily = p.op("mul", (per_hour, "h"), (f"the {goods} per day", "the daily output"), goods)
    if rng.random() < 0.5:
        p.var("w", 2, 4)
        p.say("It runs every day for {w} weeks.", "This goes on daily for {w} weeks.")
        days = p.op("mul", ("w", "#7"), ("the number of days", "how many days it runs"), "days")
    else:
        days = p.var("d", 2, 6)
        p.say("It runs for {d} days.", "The job lasts {d} days.")
    total = p.op("mul", (daily, days), (f"the total {goods}", "the whole output"), goods)
    if rng.random() < 0.5:
        p.var("e", 10, 200)
        p.var("z", 5, 90)
        p.say(f"There were already {{e}} {goods} in stock, and {{z}} new ones are faulty. "
              f"How many good {goods} are there now?",
              f"The storeroom already held {{e}} {goods}; {{z}} new ones get thrown away. "
              f"How many {goods} are in the storeroom in the end?")
        p.op("sum", ("e", total, "-z"), (f"the {goods} now", "the final count"), goods)
    else:
        p.say(f"How many {goods} does it make in that time?", f"What is the total number of "
              f"{goods} produced?")
    return p.family("production_story")


GROUPS = (("chairs", "rows", "in each row"), ("trees", "rows", "per row"),
          ("cars", "levels of the parking garage", "on each level"),
          ("books", "shelves", "on each shelf"), ("lockers", "hallways", "in every hallway"),
          ("seats", "train cars", "per car"))
MEASURES = (("rainfall", "millimeters", "day"), ("visitors at the museum", "visitors", "day"),
            ("distance swum", "laps", "session"), ("eggs laid", "eggs", "week"),
            ("parcels delivered", "parcels", "shift"), ("height of the sunflowers", "cm",
                                                         "plant"))


def random_family_groups(rng: random.Random) -> Family:
    """Listed values summed and averaged, or rows × per row + extras, then how many are left."""
    p = Prog(rng)
    if rng.random() < 0.5:
        what, unit, per = rng.choice(MEASURES)
        n = rng.choice((3, 3, 4, 4, 5))
        vals = [p.var(f"v{i}", 10, 95) for i in range(n)]
        listed = ", ".join(f"{{{v}}}" for v in vals[:-1]) + f" and {{{vals[-1]}}}"
        p.say(f"{{name}} records the {what} for {n} {per}s: {listed} {unit}.",
              f"Over {n} {per}s the {what} was {listed} {unit}.",
              f"The {what} for each of {n} {per}s: {listed} {unit}.")
        total = p.op("sum", tuple(vals), (f"the total {what}", "the sum of the values"), unit)
        p.say(f"What is the average per {per}?", f"Find the mean {what} per {per}.",
              f"On average, how many {unit} is that per {per}?")
        p.op("div", (total, f"#{n}"), ("the average", f"the mean per {per}"), unit)
        return p.family("average_story")
    things, rows, each = rng.choice(GROUPS)
    p.var("a", 3, 15)
    p.var("b", 4, 20)
    p.say(f"There are {{a}} {rows} with {{b}} {things} {each}.",
          f"{{name}} counts {{a}} {rows}, and {each} there are {{b}} {things}.")
    grid = p.op("mul", ("a", "b"), (f"the {things} in the {rows}", "the grid total"), things)
    terms = [grid]
    extras = rng.choice(("x", "y", "xy", "xy", ""))
    if "x" in extras:
        p.var("x", 2, 20)
        p.say(f"Another {{x}} {things} stand apart.", f"There are also {{x}} extra {things}.")
        terms.append("x")
    if "y" in extras:
        p.var("y", 1, 12)
        p.say(f"For repairs, {{y}} of the {things} are taken away.",
              f"Then {{y}} {things} are removed.")
        terms.append("-y")
    if len(terms) > 1:
        grid = p.op("sum", tuple(terms), (f"the total {things}", f"all the {things}"), things)
    if rng.random() < 0.5:
        p.var("g", 2, 6)
        p.say("They are shared equally among {g} groups. How many does each group get?",
              f"If the {things} are split equally into {{g}} teams, how many per team?")
        p.op("div", (grid, "g"), ("each group's share", "the number per group"), things)
    else:
        p.say(f"How many {things} are there in total?", f"How many {things} are there now?")
    return p.family("groups_story")


def random_family_parts(rng: random.Random) -> Family:
    """A fraction of a group does X, the rest, then a percent (or part) of the rest does Y."""
    p = Prog(rng)
    crowd, noun, act1, act2 = rng.choice((
        ("members of the chess club", "members", "play online", "enter the tournament"),
        ("apples in the crate", "apples", "are green", "are used for juice"),
        ("guests at the party", "guests", "arrive by bus", "stay for dinner"),
        ("employees", "employees", "work from home", "take the train"),
        ("fish in the pond", "fish", "are goldfish", "are spotted"),
        ("seedlings", "seedlings", "are tomatoes", "are planted outside")))
    p.var("m", 4, 20)
    p.say(f"There are {{mb}} {crowd}.", f"{{name}} counts {{mb}} {crowd}.")
    # the denominator is fixed per family and written as digits ('1/five' reads badly); it stays
    # a variable so a wrong-number error can still hit it
    b = rng.randint(2, 5)
    if rng.random() < 0.5:
        p.var("b", b, b)
        p.say(f"One out of every {b} of them {act1}.", f"1/{b} of them {act1}.",
              f"Exactly 1 in {b} of them {act1}.")
        part = p.op("div", ("mb", "b"), (f"the {noun} that {act1}", "the first group"))
    else:
        n, word = rng.choice(((2, "two"), (3, "three")))
        b = rng.randint(n + 1, 7)
        p.var("b", b, b)
        p.say(f"{word.capitalize()} out of every {b} of them {act1}.", f"{n}/{b} of them {act1}.")
        one = p.op("div", ("mb", "b"), ("one part", "one share of the group"))
        part = p.op("mul", (one, f"#{n}"), (f"the {noun} that {act1}", "the first group"))
    rest = p.op("sum", ("mb", "-" + part), ("the rest", f"the remaining {noun}"))
    if rng.random() < 0.5:
        p.var("q", 1, 9)
        p.say(f"Of the rest, {{q}}0% {act2}.", f"{{q}}0 percent of the others {act2}.")
        third = p.op("pct", ("q0", rest), (f"the {noun} that {act2}", "the second group"))
    else:
        p.say(f"Half of the rest {act2}.", f"Of the others, half {act2}.")
        third = p.op("div", (rest, "#2"), (f"the {noun} that {act2}", "the second group"))
    if rng.random() < 0.5:
        p.say(f"How many {act2}?", "How many is that?")
    else:
        p.say("How many do neither?", "How many are left over?")
        p.op("sum", ("mb", "-" + part, "-" + third),
             ("those left over", f"the {noun} that do neither"))
    return p.family("parts_story")


def random_family_area(rng: random.Random) -> Family:
    """Rooms or beds: L × W areas (or L × W × H volumes), a total, a cost per unit."""
    p = Prog(rng)
    if rng.random() < 0.5:
        what = rng.choice(("carpet", "wood flooring", "paint", "grass seed"))
        n = rng.randint(2, 3)
        areas = []
        for i in range(n):
            le, wi = p.var(f"l{i}", 3, 20), p.var(f"w{i}", 3, 15)
            room = ("the living room", "a bedroom", "the office")[i]
            p.say(f"{room.capitalize()} is {{{le}}} feet by {{{wi}}} feet.",
                  f"{room.capitalize()} measures {{{le}}} ft long and {{{wi}}} ft wide.")
            areas.append(p.op("mul", (le, wi), (f"the area of {room}", f"{room}'s area"),
                              "square feet"))
        total = p.op("sum", tuple(areas), ("the total area", "the combined area"),
                     "square feet")
        p.var("c", 2, 9, money=True)
        p.say(f"{{name}} covers all of it with {what} costing {{c}} per square foot. "
              "What is the cost?", f"{{name}} buys {what} for all of it at {{c}} a square "
              "foot. How much does {he} spend?")
        p.op("mul", (total, "c"), ("the cost", f"the price of the {what}"), "$")
    else:
        box = rng.choice(("raised garden bed", "sandbox", "fish tank", "storage bin"))
        p.var("l", 2, 12)
        p.var("w", 2, 8)
        p.var("h", 1, 5)
        p.say(f"A {box} is {{l}} feet long, {{w}} feet wide and {{h}} feet deep.",
              f"{{name}} builds a {box} measuring {{l}} by {{w}} by {{h}} feet.")
        vol = p.op("mul", ("l", "w", "h"), ("the volume", f"the space inside the {box}"),
                   "cubic feet")
        if rng.random() < 0.6:
            p.var("u", 1, 9)
            p.say("Old material already fills {u} cubic feet of it.",
                  "Leftover material from last year already fills {u} cubic feet.")
            vol = p.op("sum", (vol, "-u"), ("the space still to fill", "the volume left to fill"),
                       "cubic feet")
        p.var("k", 2, 4)
        p.var("c", 3, 12, money=True)
        p.say("Filling material comes in bags of {k} cubic feet at {c} per bag. "
              "How much does it cost to fill it?",
              "Each bag of filler holds {k} cubic feet and costs {c}. What is the cost "
              "to fill it?")
        bags = p.op("div", (vol, "k"), ("the bags needed", "the number of bags"), "bags")
        p.op("mul", (bags, "c"), ("the cost", "the total price"), "$")
    return p.family("area_story")


GENERATORS = (stories.random_family, random_family_shopping, random_family_earnings,
              random_family_compare, random_family_travel, random_family_production,
              random_family_groups, random_family_parts, random_family_area)
