#!/usr/bin/env python3
"""An independent re-computation of a backtest on a USD-M perpetual (grade_trend or
signal_follow, whichever the configuration has).

It shares no code with sigex: it reads the same configuration and recorded inputs, applies
the rules the README documents (the strategy, the simulated venue's bar fills and fees,
perpetual accounting, funding), and checks that sigex's outputs (fills.csv, summary.json)
are exactly what those rules give. Every amount is an integer at 8 decimals, rounded as the
README says: notional and quantities down, fees and funding paid up, funding received down.

    recompute_perpetual_backtest.py --config config/backtest-grade-trend-perp.toml \
        --out <the backtest's out directory>

Exit 0 when everything matches; otherwise the first differences and exit 1.
"""

import argparse
import csv
import datetime as dt
import gzip
import heapq
import json
import os
import sys
import tomllib
from decimal import Decimal

SCALE = 10**8
NS_PER_MS = 1_000_000
NS_PER_DAY = 86_400 * 10**9


def fixed(text):
    """Decimal text -> integer at 8 decimals (exact)."""
    value = Decimal(text) * SCALE
    if value != value.to_integral_value():
        raise ValueError(f"{text} has more than 8 decimals")
    return int(value)


def floor_div(a, b):
    return a // b


def ceil_div(a, b):
    return -((-a) // b)


def notional_down(price, quantity):
    """price × quantity at 8 decimals, towards minus infinity."""
    return floor_div(price * quantity, SCALE)


def notional_up(price, quantity):
    return ceil_div(price * quantity, SCALE)


def text(value):
    sign = "-" if value < 0 else ""
    value = abs(value)
    return f"{sign}{value // SCALE}.{value % SCALE:08d}"


def parse_time(stamp):
    moment = dt.datetime.strptime(stamp, "%Y-%m-%d").replace(tzinfo=dt.timezone.utc)
    return int(moment.timestamp()) * 10**9


class Ema:
    """Seeded with the simple average of the first `period` values, then k = 2 / (period + 1)."""

    def __init__(self, period):
        self.period, self.count, self.total, self.value = period, 0, 0.0, 0.0

    def add(self, x):
        self.count += 1
        if self.count <= self.period:
            self.total += x
            if self.count == self.period:
                self.value = self.total / self.period
            return
        self.value += 2.0 / (self.period + 1) * (x - self.value)

    def seeded(self):
        return self.count >= self.period


def read_events(config, base):
    """(receive_ns, order, kind, payload) from the recorded inputs, within [start, end)."""
    start = parse_time(config["backtest"]["start"])
    end = parse_time(config["backtest"]["end"])
    symbol = config["instruments"][0]["symbol"]
    token = config["instruments"][0]["token_id"]
    events = []
    for index, entry in enumerate(config["backtest"]["inputs"]):
        with gzip.open(os.path.join(base, entry["path"]), "rt") as lines:
            for line_number, line in enumerate(lines):
                stamp, frame = line.rstrip("\n").split(" ", 1)
                received = int(stamp)
                if received < start or received >= end:
                    continue
                body = json.loads(frame)
                order = (index, line_number)
                if "stream" in body and "kline" in body["stream"]:
                    k = body["data"]["k"]
                    if k["s"] != symbol or not k["x"]:
                        continue
                    bar = {"open_ns": k["t"] * NS_PER_MS, "close_ns": k["T"] * NS_PER_MS,
                           "open": fixed(k["o"]), "high": fixed(k["h"]), "low": fixed(k["l"]),
                           "close": fixed(k["c"]), "volume": fixed(k["v"])}
                    events.append((received, order, "bar", bar))
                elif "fundingRate" in body:
                    if body["symbol"] != symbol:
                        continue
                    events.append((received, order, "funding",
                                   {"rate": fixed(body["fundingRate"]),
                                    "time_ns": body["fundingTime"] * NS_PER_MS}))
                elif body.get("success"):
                    for row in body["data"]:
                        if row.get("TOKEN_ID") != token or "TM_TRADER_GRADE" not in row:
                            continue
                        date = dt.datetime.strptime(row["DATE"][:10], "%Y-%m-%d")
                        date_ns = int(date.replace(tzinfo=dt.timezone.utc).timestamp()) * 10**9
                        # A row's grade reaches the strategies before its signal.
                        events.append((received, order + (0,), "grade",
                                       {"date_ns": date_ns,
                                        "hundredths": round(row["TM_TRADER_GRADE"] * 100)}))
                        if "TRADING_SIGNAL" in row:
                            events.append((received, order + (1,), "signal",
                                           {"date_ns": date_ns,
                                            "value": int(row["TRADING_SIGNAL"])}))
    events.sort(key=lambda event: (event[0], event[1]))
    return events


class PerpetualAccount:
    """The simulated venue's rules for bar data and the engine's perpetual accounting."""

    def __init__(self, config):
        instrument = config["instruments"][0]
        venue = config["venue"]["simulated"]
        risk = config["risk"]
        self.tick = fixed(instrument["tick_size"])
        self.step = fixed(instrument["step_size"])
        self.min_quantity = fixed(instrument["min_quantity"])
        self.min_notional = fixed(instrument["min_notional"])
        self.leverage = instrument["leverage"]
        self.latency_ns = venue["order_latency_us"] * 1000
        self.maker_bps = venue["perpetual_maker_fee_bps"]
        self.taker_bps = venue["perpetual_taker_fee_bps"]
        self.participation_bps = venue["bar_participation_bps"]
        self.tolerance_bps_of_bar = venue["bar_open_tolerance_bps"]
        self.max_order = fixed(risk["max_order_notional"])
        self.max_position = fixed(risk["max_position_notional"])
        # The account (the engine's and the venue's agree at every settled instant).
        self.cash = fixed(config["engine"]["starting_cash"])
        self.quantity = 0  # signed, 8 decimals
        self.cost = 0      # entry notional of what is held
        self.fees = 0
        self.funding_paid = 0
        self.funding_received = 0
        self.close = 0     # the latest bar close: the reference and mark price
        self.order = None  # the one open order: dict
        self.fills = []
        self.queue = []    # (time, sequence, kind, payload): venue answers
        self.sequence = 0

    # ---- the venue's rules ----------------------------------------------------------------
    def settle_funding(self, payload):
        if self.quantity == 0:
            return
        value = notional_down(self.close, abs(self.quantity))
        pays = (self.quantity > 0) == (payload["rate"] > 0)
        rate = abs(payload["rate"])
        amount = ceil_div(value * rate, SCALE) if pays else floor_div(value * rate, SCALE)
        amount = -amount if pays else amount
        self.cash += amount
        if amount >= 0:
            self.funding_received += amount
        else:
            self.funding_paid -= amount

    def match_bar(self, bar, now):
        order = self.order
        if order is None or order["done"] or now < order["created"] + self.latency_ns:
            return
        length = bar["close_ns"] - bar["open_ns"]
        if order["created"] - bar["open_ns"] > length // 10_000 * self.tolerance_bps_of_bar:
            return  # an order older than the bar's tolerance: never happens in these runs
        cap = floor_div(bar["volume"] * self.participation_bps, 10_000)
        take = min(order["quantity"], cap) // self.step * self.step
        limit, buy = order["price"], order["side"] == "BUY"
        price, maker = 0, False
        if buy:
            if bar["open"] <= limit:
                price = bar["open"]
            elif bar["low"] <= limit:
                price, maker = limit, True
        else:
            if bar["open"] >= limit:
                price = bar["open"]
            elif bar["high"] >= limit:
                price, maker = limit, True
        if order["reduce_only"]:
            reduces = self.quantity < 0 if buy else self.quantity > 0
            take = min(take, abs(self.quantity)) if reduces else 0
        order["done"] = True
        if price > 0 and take > 0:
            value = notional_down(price, take)
            fee = ceil_div(value * (self.maker_bps if maker else self.taker_bps), 10_000)
            self.heappush(now + self.latency_ns, "fill",
                          {"side": order["side"], "price": price, "quantity": take, "fee": fee})
        else:
            self.heappush(now + self.latency_ns, "ended", {})

    def heappush(self, time, kind, payload):
        self.sequence += 1
        heapq.heappush(self.queue, (time, self.sequence, kind, payload))

    # ---- the engine's accounting --------------------------------------------------------
    def apply_fill(self, side, price, quantity, fee):
        self.fees += fee
        self.cash -= fee
        buy = side == "BUY"
        opening = quantity
        if self.quantity != 0 and (self.quantity > 0) != buy:
            held = abs(self.quantity)
            closed = min(quantity, held)
            cost = floor_div(self.cost * closed, held)
            exit_value = notional_down(price, closed)
            pnl = exit_value - cost if self.quantity > 0 else cost - exit_value
            self.cash += pnl
            self.cost -= cost
            self.quantity += closed if buy else -closed
            if self.quantity == 0:
                self.cost = 0
            opening = quantity - closed
        if opening > 0:
            self.cost += notional_down(price, opening)
            self.quantity += opening if buy else -opening

    def equity(self):
        value = notional_down(self.close, self.quantity)  # signed
        unrealised = value - self.cost if self.quantity >= 0 else value + self.cost
        return self.cash + unrealised

    def entry_price(self):
        held = abs(self.quantity)
        return floor_div(self.cost * SCALE, held) if held else 0

    # ---- what strategies share ------------------------------------------------------------
    def limit(self, buy, tolerance_bps):
        # tolerance_bps through the reference, on the tick, never further than asked.
        moved = self.close * (10_000 + (tolerance_bps if buy else -tolerance_bps))
        if buy:
            return floor_div(moved, 10_000) // self.tick * self.tick
        return ceil_div(ceil_div(moved, 10_000), self.tick) * self.tick

    def quantity_within(self, budget, price):
        size = floor_div(budget * SCALE, price) // self.step * self.step
        if size <= 0 or size < self.min_quantity or notional_down(price, size) < self.min_notional:
            return 0
        return size

    def carry(self):
        # Flat, nothing open: the available margin is the wallet; 99 % of it at the leverage.
        return floor_div(self.cash * 99 * self.leverage, 100)

    def open_order(self):
        return self.order is not None and not self.order["done"]

    def send(self, now, side, price, quantity, reduce_only):
        self.order = {"created": now, "side": side, "price": price, "quantity": quantity,
                      "reduce_only": reduce_only, "done": False}

    def held_side(self):
        held = abs(self.quantity)
        if held < self.step or held < self.min_quantity or held == 0:
            return 0
        return 1 if self.quantity > 0 else -1

    # ---- the run --------------------------------------------------------------------------
    def run(self, events):
        index = 0
        while index < len(events) or self.queue:
            next_input = events[index][0] if index < len(events) else None
            if self.queue and (next_input is None or self.queue[0][0] <= next_input):
                time, _, kind, payload = heapq.heappop(self.queue)
                if kind == "fill":
                    self.apply_fill(payload["side"], payload["price"], payload["quantity"],
                                    payload["fee"])
                    self.fills.append((time, payload["side"], payload["price"],
                                       payload["quantity"], payload["fee"]))
                self.order_done(time, kind == "fill")
                continue
            received, _, kind, payload = events[index]
            index += 1
            if kind == "bar":
                self.match_bar(payload, received)
                self.close = payload["close"]
                self.on_bar(received)
            elif kind == "funding":
                self.settle_funding(payload)
            elif kind == "grade":
                self.on_grade(payload, received)
            elif kind == "signal":
                self.on_signal(payload, received)
        return self

    def on_bar(self, now):
        pass

    def on_grade(self, payload, now):
        pass

    def on_signal(self, payload, now):
        pass

    def order_done(self, now, filled):
        pass


class GradeTrendRules(PerpetualAccount):
    """README, "The grade_trend strategy"."""

    def __init__(self, config):
        super().__init__(config)
        strategy = config["strategy"]["grade_trend"]
        self.fast, self.slow = Ema(strategy["fast"]), Ema(strategy["slow"])
        self.mode = strategy["mode"]
        self.fraction_bps = int(Decimal(strategy["target_fraction"]) * 10_000)
        self.tolerance_bps = strategy["price_tolerance_bps"]
        self.last_grade_ns = 0
        self.wanted = 0
        self.pending = False

    def act(self, now):
        if self.open_order():
            return
        self.pending = False
        held_side = 0 if abs(self.quantity) < self.step else (1 if self.quantity > 0 else -1)
        if held_side != 0 and held_side != self.wanted:
            buy = self.quantity < 0
            price = self.limit(buy, self.tolerance_bps)
            size = abs(self.quantity) // self.step * self.step
            most = floor_div(self.max_order * SCALE, price) // self.step * self.step
            self.send(now, "BUY" if buy else "SELL", price, min(size, most), True)
        elif self.wanted != 0 and held_side == 0:
            buy = self.wanted > 0
            price = self.limit(buy, self.tolerance_bps)
            budget = floor_div(self.equity() * self.fraction_bps, 10_000)
            budget = min(budget, self.carry(), self.max_order, self.max_position)
            size = self.quantity_within(budget, price)
            if size:
                self.send(now, "BUY" if buy else "SELL", price, size, False)

    def on_grade(self, payload, now):
        if payload["date_ns"] <= self.last_grade_ns:
            return
        self.last_grade_ns = payload["date_ns"]
        value = payload["hundredths"] / 100.0
        self.fast.add(value)
        self.slow.add(value)
        if not (self.fast.seeded() and self.slow.seeded()):
            return
        fast, slow = self.fast.value, self.slow.value
        wanted = 1 if fast > slow else (-1 if fast < slow else 0)
        if self.mode == "long_only" and wanted < 0:
            wanted = 0
        if self.mode == "short_only" and wanted > 0:
            wanted = 0
        if wanted == self.wanted and not self.pending:
            return
        self.wanted, self.pending = wanted, True
        self.act(now)

    def order_done(self, now, filled):
        held = self.quantity
        done = held > 0 if self.wanted > 0 else (held < 0 if self.wanted < 0 else
                                                 abs(held) < self.step)
        if done:
            return
        self.pending = True
        if filled:
            self.act(now)


class SignalFollowRules(PerpetualAccount):
    """README, "The signal_follow strategy", with direction and the mirrored short rules."""

    def __init__(self, config):
        super().__init__(config)
        strategy = config["strategy"]["signal_follow"]
        grade = lambda key: int(Decimal(strategy[key]) * 100)  # noqa: E731
        self.direction = strategy.get("direction", "long")
        self.entry_grade, self.exit_grade = grade("entry_grade"), grade("exit_grade")
        self.short_entry_grade = grade("short_entry_grade")
        self.short_exit_grade = grade("short_exit_grade")
        self.order_notional = fixed(strategy["order_notional"])
        self.tolerance_bps = strategy["price_tolerance_bps"]
        self.stop_loss_bps = strategy["stop_loss_bps"]
        self.take_profit_bps = strategy["take_profit_bps"]
        self.trailing_stop_bps = strategy["trailing_stop_bps"]
        self.max_signal_age_ns = strategy["max_signal_age_s"] * 10**9
        self.max_grade_age_ns = strategy["max_grade_age_s"] * 10**9
        self.phase, self.side = "flat", 0
        self.grade, self.grade_ns, self.last_signal_ns = -1, 0, 0
        self.peak = 0
        self.then_enter = None

    def allows(self, side):
        return self.direction != "short" if side > 0 else self.direction != "long"

    def on_grade(self, payload, now):
        if payload["date_ns"] < self.grade_ns:
            return
        self.grade, self.grade_ns = payload["hundredths"], payload["date_ns"]
        if self.phase != "holding":
            return
        if self.side > 0 and self.exit_grade > 0 and self.grade < self.exit_grade:
            self.exit(now)
        elif self.side < 0 and self.short_exit_grade > 0 and self.grade > self.short_exit_grade:
            self.exit(now)

    def on_signal(self, payload, now):
        if now - payload["date_ns"] > self.max_signal_age_ns:
            return
        if payload["date_ns"] <= self.last_signal_ns:
            return
        self.last_signal_ns = payload["date_ns"]
        side = payload["value"]
        if side not in (1, -1):
            return
        if self.phase == "flat":
            if self.allows(side):
                self.enter(side, now)
        elif self.phase == "holding" and self.side == -side:
            self.then_enter = side if self.allows(side) else None
            self.exit(now)

    def enter(self, side, now):
        fresh = self.grade >= 0 and now - self.grade_ns <= self.max_grade_age_ns
        allowed = self.grade >= self.entry_grade if side > 0 else \
            self.grade <= self.short_entry_grade
        if not fresh or not allowed:
            return
        price = self.limit(side > 0, self.tolerance_bps)
        size = self.quantity_within(min(self.order_notional, self.carry()), price)
        if not size:
            return
        self.send(now, "BUY" if side > 0 else "SELL", price, size, False)
        self.phase, self.side = "entering", side

    def exit(self, now):
        buy = self.quantity < 0
        price = self.limit(buy, self.tolerance_bps)
        size = abs(self.quantity) // self.step * self.step
        if size <= 0:
            self.phase = "flat"
            return
        self.send(now, "BUY" if buy else "SELL", price, size, True)
        self.phase = "exiting"

    def shifted(self, price, bps, up):
        moved = price * (10_000 + bps)
        return ceil_div(moved, 10_000) if up else floor_div(moved, 10_000)

    def on_bar(self, now):
        if self.phase != "holding":
            return
        mark, is_long = self.close, self.side > 0
        if (mark > self.peak) if is_long else (mark < self.peak or self.peak == 0):
            self.peak = mark
        entry, sign = self.entry_price(), 1 if is_long else -1
        against = (lambda p: mark <= p) if is_long else (lambda p: mark >= p)
        in_favour = (lambda p: mark >= p) if is_long else (lambda p: mark <= p)
        if self.stop_loss_bps > 0 and against(
                self.shifted(entry, -sign * self.stop_loss_bps, not is_long)):
            return self.exit(now)
        if self.take_profit_bps > 0 and (is_long or self.take_profit_bps < 10_000) and in_favour(
                self.shifted(entry, sign * self.take_profit_bps, is_long)):
            return self.exit(now)
        if self.trailing_stop_bps > 0 and against(
                self.shifted(self.peak, -sign * self.trailing_stop_bps, not is_long)):
            return self.exit(now)

    def order_done(self, now, filled):
        reduce_only = self.order["reduce_only"]
        side = self.held_side()
        self.phase = "holding" if side else "flat"
        if side:
            self.side = side
        if not reduce_only:
            if side:
                self.peak = self.entry_price()
            return
        if side == 0 and self.then_enter is not None:
            then, self.then_enter = self.then_enter, None
            self.enter(then, now)


def read_fills(path):
    rows = []
    with open(path) as source:
        for row in csv.DictReader(source):
            moment = dt.datetime.strptime(row["time"], "%Y-%m-%dT%H:%M:%S.%fZ")
            time = int(moment.replace(tzinfo=dt.timezone.utc).timestamp()) * 10**9 + \
                moment.microsecond * 1000
            rows.append((time, row["side"], fixed(row["price"]), fixed(row["quantity"]),
                         fixed(row["fee"])))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True)
    parser.add_argument("--out", required=True)
    arguments = parser.parse_args()
    with open(arguments.config, "rb") as source:
        config = tomllib.load(source)
    base = os.path.dirname(os.path.abspath(arguments.config))
    rules = GradeTrendRules if "grade_trend" in config["strategy"] else SignalFollowRules
    expected = rules(config).run(read_events(config, base))
    problems = []
    actual_fills = read_fills(os.path.join(arguments.out, "fills.csv"))
    if len(actual_fills) != len(expected.fills):
        problems.append(f"fills: sigex {len(actual_fills)}, recomputed {len(expected.fills)}")
    for number, (mine, theirs) in enumerate(zip(expected.fills, actual_fills), start=1):
        if mine != theirs:
            problems.append(f"fill {number}: recomputed {mine[1]} {text(mine[3])} at "
                            f"{text(mine[2])} fee {text(mine[4])} at {mine[0]}; sigex "
                            f"{theirs[1]} {text(theirs[3])} at {text(theirs[2])} fee "
                            f"{text(theirs[4])} at {theirs[0]}")
            break
    with open(os.path.join(arguments.out, "summary.json")) as source:
        summary = json.load(source)
    checks = {
        "final_equity": (fixed(summary["final_equity"]), expected.equity()),
        "fees": (fixed(summary["fees"]), expected.fees),
        "funding_paid": (fixed(summary["perpetuals"]["funding_paid"]), expected.funding_paid),
        "funding_received": (fixed(summary["perpetuals"]["funding_received"]),
                             expected.funding_received),
    }
    for name, (theirs, mine) in checks.items():
        if theirs != mine:
            problems.append(f"{name}: sigex {text(theirs)}, recomputed {text(mine)}")
    if summary["risk_denials"]:
        problems.append(f"risk denials the rules do not model: {summary['risk_denials']}")
    if problems:
        print(f"{rules.__name__}: the backtest differs from the documented rules:")
        for problem in problems:
            print("  " + problem)
        return 1
    print(f"{rules.__name__}: the backtest matches the documented rules: {len(expected.fills)} "
          f"fills, fees {text(expected.fees)}, funding paid {text(expected.funding_paid)}, "
          f"received {text(expected.funding_received)}, final equity {text(expected.equity())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
