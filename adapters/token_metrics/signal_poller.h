#pragma once

// Polls Token Metrics for signals and grades on a thread of its own and hands new records to
// the core through the inbound queue. Each enabled endpoint is polled at start-up and then at
// every interval boundary (UTC) plus its offset. Rows seen before are not re-emitted
// (SignalLatest: the same rule the core's SignalGate applies with the journal behind it).
// Records never get dropped: when the queue is full the poller waits for room.
//   401/403 or 402 -> intake halted (metrics().halted, with the reason); no more calls until a
//                     reload brings other keys (keys_reloaded()) after a 401/403.
//   404            -> that endpoint is disabled, the others go on.
//   budget used up -> no calls until the next UTC month.
// Every response page is also handed to the frame sink (the recorder), so a recorded session
// replays through the same parser and gate.

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "adapters/token_metrics/parse_records.h"
#include "adapters/token_metrics/rest_client.h"
#include "engine/ports/reporting_component.h"
#include "engine/queue/event_queue.h"
#include "engine/signals/signal_gate.h"

namespace sigex {

struct TmEndpointStatus {
  std::string name;
  bool enabled = false;
  std::uint64_t polls = 0;
  std::uint64_t failures = 0;
  TimeNs last_success_ns = 0;
  TimeNs next_due_ns = 0;
};

struct TmPollerMetrics {
  TmClientMetrics client;
  std::uint64_t records_emitted = 0;
  std::uint64_t records_unchanged = 0;  // seen before: not re-emitted
  std::uint64_t parse_failures = 0;  // pages the record parser refused (after the envelope passed)
  std::vector<std::pair<std::string, std::uint64_t>> rejections;  // rows refused, by reason
  std::uint64_t budget_used = 0;
  std::int64_t budget_limit = 0;
  bool halted = false;
  std::string halt_reason;
  std::vector<TmEndpointStatus> endpoints;
};

class SignalPoller final : public ReportingComponent {
 public:
  using FrameSink = std::function<void(TimeNs receive_time_ns, std::string_view frame)>;

  // `waiter` decides how the thread waits (tests inject one that does not sleep); `budget`
  // may be null only in tests.
  SignalPoller(const TokenMetricsConfig& config, const InstrumentRegistry& instruments,
               EventQueue<InboundEvent>& queue, const Clock& clock, std::shared_ptr<KeySet> keys,
               CallBudget* budget, Waiter& waiter, boost::asio::ssl::context& tls);
  ~SignalPoller();

  void set_frame_sink(FrameSink sink);                            // before start()
  void set_payer(X402Payer* payer) { client_.set_payer(payer); }  // before start(): x402
  bool start(std::string& error);                                 // starts the polling thread
  void stop();  // the waiter must be stopped first (or by the owner)

  // One round on the caller's thread: polls every endpoint due at `now_ns`.
  void poll_due(TimeNs now_ns);
  TimeNs next_due_ns() const;
  bool halted() const { return halted_.load(); }
  // After a reload brought other keys: intake halted by a refused key polls again (at once).
  // Any thread.
  void keys_reloaded();

  TmPollerMetrics metrics() const;  // any thread
  void write_metrics(MetricsExposition& out, TimeNs now_ns) const override;
  // The signal gate's counters are the core's: the caller adds them.
  void write_status(DaemonStatus& status, TimeNs now_ns) const override;

 private:
  struct Endpoint {
    TmEndpoint endpoint;
    TmPollConfig poll;
    TmEndpointStatus status;
  };
  void poll(Endpoint& endpoint, TimeNs now_ns);
  void resume_if_asked();
  void emit(const TmFetch& fetch);
  void run();

  const TokenMetricsConfig& config_;
  const Clock& clock_;
  Waiter& waiter_;
  CallBudget* budget_;
  std::shared_ptr<KeySet> keys_;
  TokenMetricsClient client_;
  TokenMetricsParser parser_;
  SignalLatest latest_;
  EventQueue<InboundEvent>::Producer producer_;
  FrameSink sink_;
  std::vector<Endpoint> endpoints_;
  std::vector<TokenId> token_ids_;
  std::vector<InboundEvent> records_;
  std::string padded_;
  std::string path_of_fetch_;
  TmPageReader page_reader_;
  std::thread thread_;
  std::atomic<bool> halted_{false};
  std::atomic<bool> halted_by_key_{false};
  std::atomic<bool> resume_{false};
  mutable std::mutex metrics_mutex_;
  TmPollerMetrics metrics_;
};

// The first poll time at or after `time_ns` for a schedule (interval boundaries plus offset).
TimeNs next_poll_time(TimeNs time_ns, const TmPollConfig& poll);

// Looks up token ids for instruments that have a token_symbol but no token_id (one /tokens
// call). A symbol matching several tokens is an error listing them: tickers are not unique.
// With a `cache_file` (the state directory's token-ids.tsv), symbols resolved before are
// taken from it without a call, and new resolutions are added to it.
bool resolve_token_ids(TokenMetricsClient& client, std::vector<Instrument>& instruments,
                       std::string& error, const std::string& cache_file = {});
// The cache alone (backtests: no API call). Instruments it does not know are left alone.
void resolve_token_ids_from_cache(std::vector<Instrument>& instruments,
                                  const std::string& cache_file);

}  // namespace sigex
