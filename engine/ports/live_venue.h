#pragma once

// The port of a live exchange account: the ExecutionVenue the core trades through, plus what
// the daemon needs at start-up (the account's recent orders, its holdings) and reports
// (ReportingComponent). The venue reports; the engine decides (reconciliation, unknown-order
// policy, balance checks).

#include <string>
#include <vector>

#include "engine/core/secret.h"
#include "engine/core/time.h"
#include "engine/metrics/latency_histogram.h"
#include "engine/order/account_order.h"
#include "engine/portfolio/balance_check.h"
#include "engine/ports/execution_venue.h"
#include "engine/ports/reporting_component.h"

namespace sigex {

// The keys of a live account, loaded by the composition root from where [execution] says.
struct VenueKeys {
  Secret api_key;
  Secret api_secret;
};

class LiveVenue : public ExecutionVenue, public ReportingComponent {
 public:
  // Before trading, on the caller's thread: clock, trading rules, balances, open orders and the
  // order history; then the I/O thread starts. False with the reason.
  virtual bool start(std::string& error) = 0;
  virtual void stop() = 0;
  // Core thread: waits at most `timeout_ns` for an answer; true when one is waiting.
  virtual bool wait_for_answers(DurationNs timeout_ns) = 0;
  // The account's orders over the history lookback, read at start-up.
  virtual const std::vector<AccountOrder>& account_history() const = 0;
  // The fills of an order in account_history() as engine fill events, oldest first.
  virtual std::vector<ExecutionEvent> history_fills(const AccountOrder& order) = 0;
  // What the account held of each instrument's base asset at start-up.
  virtual std::vector<HeldQuantity> start_holdings() const = 0;
  // What the account (each account, for a set) held of the cash asset at start-up.
  virtual std::vector<HeldCash> start_cash() const = 0;
  // How far back account_history() reaches (for the start-up log).
  virtual DurationNs history_lookback_ns() const = 0;
  // Decision -> order on the wire, recorded on the I/O thread. Before start().
  virtual void set_wire_latency(LatencyHistogram* histogram) = 0;
  // [service] io_poll_us, any thread: how long the I/O thread keeps polling for the core's
  // next command after serving one, before it sleeps (HandOverPoll; 0: it sleeps at once).
  virtual void poll_for_commands(DurationNs window_ns) = 0;
  // [service] warm_order_path_us, any thread: while no order is sent, the I/O thread
  // builds and signs the last order's request again this often, into scratch, never sending
  // it (SigningRehearsal). 0: never.
  virtual void rehearse_signing_every(DurationNs every_ns) = 0;
  // Key rotation (a reload), any thread: requests are signed with `keys` from now on (a
  // request under way finishes with the pair it started with) and the private stream
  // subscribes again with them. False with `error` when the secret cannot sign (nothing
  // changes).
  virtual bool rotate_keys(VenueKeys keys, std::string& error) = 0;
  // The fingerprint of the API key in use (never the key).
  virtual std::string key_fingerprint() const = 0;
  // Requests still under way with a replaced key pair (0: the old key may be revoked).
  virtual std::size_t keys_retiring() const = 0;
};

}  // namespace sigex
