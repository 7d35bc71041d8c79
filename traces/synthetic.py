#!/usr/bin/env python3
"""Writes a synthetic trace in the Azure CSV format: Poisson arrivals, uniform lengths.

    python3 traces/synthetic.py --requests 20000 --rate 50 > /tmp/trace-20k.csv

For sizing runs and the bounded-memory check of ./tandem replay; the shipped samples are smaller.
"""
import argparse
import datetime
import random

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--requests", type=int, default=20000)
parser.add_argument("--rate", type=float, default=50.0, help="mean arrivals per second")
parser.add_argument("--prompt", type=int, nargs=2, default=(16, 96), metavar=("MIN", "MAX"))
parser.add_argument("--output", type=int, nargs=2, default=(1, 4), metavar=("MIN", "MAX"))
parser.add_argument("--seed", type=int, default=6)
args = parser.parse_args()

random.seed(args.seed)
t = datetime.datetime(2023, 11, 16, 18, 0, 0)
print("TIMESTAMP,ContextTokens,GeneratedTokens")
for _ in range(args.requests):
    t += datetime.timedelta(seconds=random.expovariate(args.rate))
    # seven fractional digits, as the 2023 Azure traces write them
    print(f"{t.strftime('%Y-%m-%d %H:%M:%S.%f')}0,"
          f"{random.randint(*args.prompt)},{random.randint(*args.output)}")
