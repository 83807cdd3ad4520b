#pragma once

// What `sigex ctl status` reports, gathered once on the core thread, and its two renderings:
// the aligned text for people and `--json` for scripts (one object, stable keys, money as
// exact decimal strings as in summary.json, times as ISO-8601 UTC, absent values as null).

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sigex {

struct DaemonStatus {
  struct Scope {
    std::string scope;
    std::string state;
    std::string since;  // "" when never changed
    std::string reason;
  };
  struct Endpoint {
    std::string name;
    std::uint64_t polls = 0;
    std::uint64_t failures = 0;
    std::optional<double> last_success_age_s;
  };
  struct TokenMetrics {
    std::vector<Endpoint> endpoints;
    std::uint64_t records_received = 0;
    std::uint64_t delivered = 0, duplicates = 0, outdated = 0, stale = 0;
    std::uint64_t budget_used = 0;
    std::int64_t budget_limit = 0;
    std::string halted_reason;  // "" when polling
  };
  // A key or secret in use, by fingerprint (adapters/net/digest.h), never the key.
  struct Key {
    std::string what;  // "Token Metrics API key", "Binance API key", "webhook secret"
    std::string slot;  // "current", "next"
    std::string fingerprint;
    std::string origin;  // "key file /etc/sigex/tm.key", "systemd credential ..."
    bool in_use = false;
  };
  struct Position {
    std::string symbol, quantity, entry_price, realised_pnl, unrealised_pnl;
    std::string liquidation_price;  // perpetuals: the estimate, "none"; "" on spot
  };
  // Accounts with perpetuals (cross margin).
  struct Margin {
    std::string balance, initial, maintenance, funding_paid, funding_received;
    double ratio = 0;  // maintenance / balance; 1 = liquidation
  };
  struct OpenOrder {
    std::string client_order_id, symbol, side, type, quantity, price, filled, state;
  };

  std::string mode;
  std::string market_data_venue;  // "binance", "coinbase", ...
  std::string order_venue;        // the live venue, or "simulated" in paper mode
  std::string events_publisher;   // [service] publish_events: its state; "" = not publishing
  std::string signals_source;     // [signals] source = "nats": the relay's; "" = not relayed
  std::string state_dir;
  std::string ready_since;  // "" while starting
  bool stopping = false;
  bool core_dumps_allowed = false;
  std::string metrics_url;
  std::vector<Scope> trading_states;  // global first
  std::string oms_halted_reason;
  std::string market_data_state;
  std::optional<double> last_market_event_age_s;
  std::uint64_t feed_connects = 0, feed_reconnects = 0;
  std::optional<TokenMetrics> token_metrics;
  struct Webhook {
    std::string url;
    std::uint64_t accepted = 0, refused = 0, redelivered = 0;
  };
  std::optional<Webhook> webhook;
  // The signal gate, whatever the source (polled or pushed): what it let through and dropped.
  struct Gate {
    std::uint64_t delivered = 0, duplicates = 0, outdated = 0, stale = 0;
  };
  std::optional<Gate> signal_gate;
  std::vector<Key> keys;
  // Requests still in flight with keys a reload replaced (0: the old keys may be revoked).
  std::uint64_t keys_retiring = 0;
  // `sigex relay` (mode "relay"): what it publishes. Absent for an engine; a relay has no
  // trading state, positions or orders.
  struct Relay {
    std::string nats_url;
    bool nats_connected = false;
    std::uint64_t nats_disconnects = 0;
    std::uint64_t epoch = 0;  // its start time (ns): subscribers see a new one after a restart
    std::uint64_t instruments = 0;
    std::uint64_t market_messages = 0, market_dropped = 0;
    std::uint64_t signal_messages = 0, signal_duplicates = 0, signals_pending = 0;
    std::uint64_t snapshots = 0, snapshot_requests = 0, failures = 0;
  };
  std::optional<Relay> relay;
  std::vector<Position> positions;
  std::string cash_asset, cash, equity, starting_cash, fees;
  // With instruments on several venues: each venue account's cash (venue, amount).
  std::vector<std::pair<std::string, std::string>> account_cash;
  // Venue accounts holding less cash than sigex may spend there, as their venues last reported
  // (venue, shortfall): their buys are limited to what they hold.
  std::vector<std::pair<std::string, std::string>> cash_shortfalls;
  std::optional<Margin> margin;
  std::vector<OpenOrder> open_orders;
  std::uint64_t unresolved_orders = 0;
  std::uint64_t unproven_absences = 0;
  std::uint64_t orders_waiting = 0;
  std::string waiting_reason;
  std::int64_t max_order_wait_s = 0;
  bool banned = false;
  std::uint64_t events = 0, orders = 0, fills = 0, venue_rejections = 0, alerts = 0;
  std::vector<std::pair<std::string, std::uint64_t>> risk_denials;
};

std::string render_status_text(const DaemonStatus& status);
std::string render_status_json(const DaemonStatus& status);

}  // namespace sigex
