"""Writes gifts.csv: a yearly donation log for the README's BG/BB example.

Every tenth donor of the 1995 cohort of Fader, Hardie & Shang (2010) (its (x, t_x, n)
summary is tests/data/reference/clv/donations.csv): a first gift in 1995, then x gifts in the
years 1996-2001 ending with 1995 + t_x, on dates and for amounts drawn with a fixed seed.
Run from this folder: python3 make_gifts.py (Python 3.11, standard library only).
"""
import csv
import random

rng = random.Random(2010)
rows = []
donor = 0
with open("../../tests/data/reference/clv/donations.csv") as f:
    for k, r in enumerate(csv.DictReader(f)):
        x, tx, n = int(r["frequency"]), int(r["recency"]), int(r["periods"])
        for _ in range(int(r["weights"])):
            donor += 1
            if donor % 10:
                continue
            did = f"D{donor:05d}"
            years = [1995] + [1995 + y for y in range(tx - x + 1, tx + 1)]
            base = rng.choice([20, 25, 30, 50, 50, 100])
            for year in years:
                month, day = rng.randint(1, 12), rng.randint(1, 28)
                amount = round(base * rng.gammavariate(6.0, 1.0 / 6.0), 2)
                rows.append((did, f"{year}-{month:02d}-{day:02d}", amount))
rows.sort(key=lambda r: (r[1], r[0]))
with open("gifts.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["donor", "date", "amount"])
    w.writerows(rows)
print(len(rows), "gifts of", len({r[0] for r in rows}), "donors")
